import type { LiveItem } from '@fieldtrace/protocol';

/**
 * The part of a WebSocket the fan-out needs, so `ws` can be swapped for another library (uWebSockets.js...)
 * by writing one adapter.
 */
export interface LiveSocket {
  /** Bytes queued in the socket but not yet written to the network. */
  readonly bufferedAmount: number;
  send(frame: string): void;
  close(code: number, reason: string): void;
  onClose(listener: () => void): void;
}

export interface LiveFanout {
  add(socket: LiveSocket, tenantId: string): void;
  publish(tenantId: string, item: LiveItem): void;
  close(): void;
  /** Connected sockets. */
  size(): number;
  stats(): LiveFanoutStats;
}

export interface LiveFanoutStats {
  sockets: number;
  framesSent: number;
  itemsQueued: number;
  /** Frames not sent to a socket because it was too far behind. */
  framesSkipped: number;
  /** Items dropped because a tenant's queue was full between two flushes. */
  itemsDropped: number;
  slowSocketsClosed: number;
}

export interface FanoutOptions {
  /** One frame per tenant per period, ms (default 50). */
  flushIntervalMs?: number;
  /** A socket with more than this queued (bytes) is skipped for the frame (default 1 MiB). */
  maxBufferedBytes?: number;
  /** A socket skipped this many flushes in a row is closed; the browser reconnects and gets a fresh snapshot. */
  maxConsecutiveSkips?: number;
  /** Items kept per tenant between flushes; beyond it new items are dropped and counted. */
  maxQueuedPerTenant?: number;
}

/** WebSocket close code 1013 "Try Again Later" (RFC 6455 §7.4.1 registry): the server shed a slow consumer. */
const CLOSE_TRY_AGAIN_LATER = 1013;
const CLOSE_GOING_AWAY = 1001;

interface Subscriber {
  socket: LiveSocket;
  consecutiveSkips: number;
}

/**
 * Batches live items per tenant and sends one frame per tick: the JSON is serialised once per tenant per flush
 * and the same string goes to every socket of the tenant. A socket that cannot keep up is skipped (its
 * `bufferedAmount` is the only memory it can make us hold) and eventually closed.
 */
export function createLiveFanout(opts: FanoutOptions = {}): LiveFanout {
  const flushIntervalMs = opts.flushIntervalMs ?? 50;
  const maxBufferedBytes = opts.maxBufferedBytes ?? 1024 * 1024;
  const maxConsecutiveSkips = opts.maxConsecutiveSkips ?? Math.max(1, Math.ceil(10_000 / flushIntervalMs));
  const maxQueued = opts.maxQueuedPerTenant ?? 20_000;

  const subscribers = new Map<string, Set<Subscriber>>();
  const queues = new Map<string, LiveItem[]>();
  const stats: Omit<LiveFanoutStats, 'sockets'> = {
    framesSent: 0, itemsQueued: 0, framesSkipped: 0, itemsDropped: 0, slowSocketsClosed: 0,
  };
  let socketCount = 0;
  let timer: NodeJS.Timeout | null = null;
  let closed = false;

  function remove(tenantId: string, sub: Subscriber): void {
    const subs = subscribers.get(tenantId);
    if (!subs?.delete(sub)) return;
    socketCount--;
    if (subs.size === 0) {
      subscribers.delete(tenantId);
      queues.delete(tenantId);
    }
  }

  function flush(): void {
    timer = null;
    for (const [tenantId, items] of queues) {
      queues.delete(tenantId);
      const subs = subscribers.get(tenantId);
      if (!subs || items.length === 0) continue;
      const frame = JSON.stringify(items);
      for (const sub of subs) {
        if (sub.socket.bufferedAmount > maxBufferedBytes) {
          stats.framesSkipped++;
          if (++sub.consecutiveSkips >= maxConsecutiveSkips) {
            stats.slowSocketsClosed++;
            remove(tenantId, sub);
            sub.socket.close(CLOSE_TRY_AGAIN_LATER, 'too slow for the live feed; reconnect');
          }
          continue;
        }
        sub.consecutiveSkips = 0;
        try {
          sub.socket.send(frame);
          stats.framesSent++;
        } catch {
          // A socket that failed mid-send reports its close; nothing to do here.
        }
      }
    }
  }

  return {
    add(socket, tenantId) {
      if (closed) {
        socket.close(CLOSE_GOING_AWAY, 'server shutting down');
        return;
      }
      const sub: Subscriber = { socket, consecutiveSkips: 0 };
      let subs = subscribers.get(tenantId);
      if (!subs) subscribers.set(tenantId, (subs = new Set()));
      subs.add(sub);
      socketCount++;
      socket.onClose(() => remove(tenantId, sub));
    },
    publish(tenantId, item) {
      // Nobody watching this tenant: nothing to queue (the common case for most tenants most of the time).
      if (closed || !subscribers.has(tenantId)) return;
      let queue = queues.get(tenantId);
      if (!queue) queues.set(tenantId, (queue = []));
      if (queue.length >= maxQueued) {
        stats.itemsDropped++;
        return;
      }
      queue.push(item);
      stats.itemsQueued++;
      timer ??= setTimeout(flush, flushIntervalMs);
    },
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
      queues.clear();
      for (const [tenantId, subs] of subscribers) {
        for (const sub of [...subs]) {
          remove(tenantId, sub);
          sub.socket.close(CLOSE_GOING_AWAY, 'server shutting down');
        }
      }
    },
    size: () => socketCount,
    stats: () => ({ sockets: socketCount, ...stats }),
  };
}
