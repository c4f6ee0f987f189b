import { connect, createServer, type Server, type Socket } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import type { SwitchableBroker } from './switchable-broker.js';
import { DeliveryLog, freeLoopbackPort } from './delivery-log.js';

/**
 * The SwitchableBroker contract in front of a real broker: a TCP proxy on a free loopback port that can be switched
 * off (every proxied connection cut, the port refusing) and on again on the same port. Deliveries are observed by a
 * subscriber connected to the broker directly, not through the proxy, on `ft/{tenantId}/d/+/up/+`.
 *
 * Order: a subscriber cannot see publisher connections, but the proxy can. Every connection the proxy accepts starts
 * an epoch; seqs must rise within an epoch. Attributing a delivery to the newest epoch is sound because a new agent
 * connection only appears after `down()` (which waits until deliveries stop) or after an agent process restart
 * (hundreds of ms, while the broker forwards what it already took within a few ms).
 */
export interface MosquittoSwitch extends SwitchableBroker {
  /** Agent connections the proxy accepted. */
  readonly connections: number;
  /** Bytes forwarded from agents to the broker so far. */
  readonly forwardedBytes: number;
  /**
   * Runs `action` synchronously once `bytes` more agent bytes would have been forwarded, before the chunk that crosses
   * the line is (it is dropped if `action` cut the connection): a cut lands mid-drain however fast the drain is, where
   * polling the observer would not (the agent's window puts a whole backlog on the wire before the first delivery).
   */
  tripwire(bytes: number, action: () => void): void;
  /** Cuts every proxied connection (a dead modem) and keeps accepting new ones. */
  cut(): void;
  /** Resolves once no delivery has arrived for a moment: what the broker took before a cut has come through. */
  quiet(): Promise<void>;
  /** Times the observer lost its own connection to the broker: anything it missed meanwhile is not the agent's loss. */
  readonly observerDisconnects: number;
}

/** How long no delivery may arrive before what the broker took before a cut counts as come through. */
const QUIET_MS = 150;
const SETTLE_LIMIT_MS = 3_000;

export async function createMosquittoSwitch(options: { upstreamUrl: string; tenantId: string }): Promise<MosquittoSwitch> {
  const upstream = new URL(options.upstreamUrl);
  const upstreamPort = Number(upstream.port) || 1883;
  const log = new DeliveryLog();
  let connections = 0;
  let observerDisconnects = 0;
  let lastDeliveryAt = Date.now();
  let closing = false;

  // MQTT 5 so the broker's in-flight window towards us is its own limit (max_inflight_messages), not a small client
  // default; QoS 1 so nothing the broker took is dropped on the way to us while we keep up (max_queued_messages).
  const observer: MqttClient = await mqtt.connectAsync(options.upstreamUrl, {
    clientId: `ft-observer-${options.tenantId}`,
    protocolVersion: 5,
    clean: true,
    properties: { receiveMaximum: 65_535 },
    reconnectPeriod: 0,
  });
  observer.on('close', () => {
    if (!closing) observerDisconnects++;
  });
  observer.on('message', (topic, payload) => {
    lastDeliveryAt = Date.now();
    log.record(topic, payload, `connection ${connections}`);
  });
  await observer.subscribeAsync(`ft/${options.tenantId}/d/+/up/+`, { qos: 1 });

  const port = await freeLoopbackPort();
  let server: Server | null = null;
  const sockets = new Set<Socket>();

  let forwardedBytes = 0;
  let wire: { at: number; action: () => void } | null = null;

  function proxy(client: Socket): void {
    connections++;
    const broker = connect({ host: upstream.hostname, port: upstreamPort });
    // A cut is a cut in both directions: whichever side ends or fails, the other goes too (no half-open session).
    const cutThis = () => {
      client.destroy();
      broker.destroy();
    };
    for (const socket of [client, broker]) {
      sockets.add(socket);
      socket.on('error', cutThis);
      socket.on('close', () => {
        sockets.delete(socket);
        cutThis();
      });
    }
    client.on('data', (chunk: Buffer) => {
      if (wire && forwardedBytes + chunk.length >= wire.at) {
        const { action } = wire;
        wire = null;
        action();
      }
      if (broker.destroyed) return;
      forwardedBytes += chunk.length;
      if (!broker.write(chunk)) client.pause();
    });
    broker.on('drain', () => client.resume());
    broker.pipe(client);
  }

  function cut(): void {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  }

  async function quiet(): Promise<void> {
    const since = Date.now();
    const limit = since + SETTLE_LIMIT_MS;
    while (Date.now() - Math.max(lastDeliveryAt, since) < QUIET_MS && Date.now() < limit) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  async function down(): Promise<void> {
    if (!server) return;
    const listener = server;
    server = null;
    const closed = new Promise<void>((resolve) => listener.close(() => resolve()));
    cut();
    await closed;
    // The broker may have read publishes from the socket just before the cut and forwards them to us a little
    // later; "down" means nothing more arrives, so wait for a quiet spell first.
    await quiet();
  }

  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    delivered: log.delivered,
    get duplicates() {
      return log.duplicates;
    },
    orderViolations: log.orderViolations,
    statusMessages: log.statusMessages,
    get connections() {
      return connections;
    },
    get observerDisconnects() {
      return observerDisconnects;
    },
    get forwardedBytes() {
      return forwardedBytes;
    },
    tripwire(bytes, action) {
      wire = { at: forwardedBytes + bytes, action };
    },
    cut,
    quiet,
    async up() {
      if (server) return;
      const next = createServer(proxy);
      await new Promise<void>((resolve, reject) => next.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
      server = next;
    },
    down,
    async close() {
      await down();
      closing = true;
      await observer.endAsync(true);
    },
  };
}
