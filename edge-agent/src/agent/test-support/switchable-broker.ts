import { createServer, type Server, type Socket } from 'node:net';
import { Aedes } from 'aedes';

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
  const delivered = new Map<number, DeliveredFix>();
  const lastSeqByConnection = new WeakMap<object, number>();
  const orderViolations: string[] = [];
  const statusMessages: unknown[] = [];
  let duplicates = 0;
  aedes.on('publish', (packet, client) => {
    if (!client) return;
    if (packet.topic.endsWith('/up/status')) {
      statusMessages.push(JSON.parse(packet.payload.toString()));
      return;
    }
    let fixes: DeliveredFix[];
    if (packet.topic.endsWith('/up/fix')) fixes = [JSON.parse(packet.payload.toString()) as DeliveredFix];
    else if (packet.topic.endsWith('/up/fixes')) fixes = (JSON.parse(packet.payload.toString()) as { fixes: DeliveredFix[] }).fixes;
    else return;
    for (const fix of fixes) {
      const previous = lastSeqByConnection.get(client);
      if (previous !== undefined && fix.seq <= previous) orderViolations.push(`${previous} then ${fix.seq}`);
      lastSeqByConnection.set(client, fix.seq);
      if (delivered.has(fix.seq)) duplicates++;
      else delivered.set(fix.seq, { seq: fix.seq, ts: fix.ts });
    }
  });

  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
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
    delivered,
    get duplicates() {
      return duplicates;
    },
    orderViolations,
    statusMessages,
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
