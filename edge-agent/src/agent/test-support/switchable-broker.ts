import { createServer, type Server, type Socket } from 'node:net';
import { Aedes } from 'aedes';
import { DeliveryLog, freeLoopbackPort } from './delivery-log.js';

export interface DeliveredFix {
  seq: number;
  ts: number;
}

/**
 * An in-process aedes broker whose TCP listener can be switched off (all connections cut, port refusing) and on
 * again on the same port, recording every fix it receives (single `fix` or batched `fixes` publishes) and checking order within each connection.
 */
export interface SwitchableBroker {
  readonly port: number;
  readonly url: string;
  /** Distinct fix seqs received, with the event time of the first copy. */
  readonly delivered: Map<number, DeliveredFix>;
  readonly duplicates: number;
  /** Publishes whose seq was not above the previous one on the same connection. */
  readonly orderViolations: string[];
  readonly statusMessages: unknown[];
  up(): Promise<void>;
  down(): Promise<void>;
  close(): Promise<void>;
}

const SETTLE_MS = 100;

export async function createSwitchableBroker(): Promise<SwitchableBroker> {
  const aedes = await Aedes.createBroker();
  const log = new DeliveryLog();
  // A session per client connection: seqs must rise within each.
  aedes.on('publish', (packet, client) => {
    if (client) log.record(packet.topic, packet.payload as Buffer, client);
  });
  const port = await freeLoopbackPort();
  let server: Server | null = null;
  const sockets = new Set<Socket>();

  async function down(): Promise<void> {
    if (!server) return;
    const closing = server;
    server = null;
    const closed = new Promise<void>((resolve) => closing.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    await closed;
    // aedes emits 'publish' after its own pipeline, so a packet it took (and acknowledged) just before the cut can
    // surface a few ms later; "down" means nothing more arrives, so let those settle first.
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
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
    async up() {
      if (server) return;
      const next = createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        aedes.handle(socket);
      });
      await new Promise<void>((resolve, reject) => next.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
      server = next;
    },
    down,
    async close() {
      await down();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
    },
  };
}
