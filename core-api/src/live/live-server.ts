import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import { LIVE_PATH, type LiveItem } from '@fieldtrace/protocol';
import { FieldtraceError, Forbidden, Unauthorized, type Logger } from '@fieldtrace/service-kit';
import type { Db } from '@fieldtrace/store';
import { READERS, actingTenant } from '../http/auth.js';
import type { KeyRing } from '../http/keyring.js';
import { PROBLEM_CONTENT_TYPE, problemBody } from '../http/problems.js';
import { latestPositions } from '../routes/telemetry.js';
import type { LiveFanout } from './fanout.js';
import { wsLiveSocket } from './ws-socket.js';

export interface LiveServerDeps {
  db: Db;
  keys: KeyRing;
  fanout: LiveFanout;
  logger: Logger;
  /** Dead connections (a laptop lid closed) are found by ping; ms between pings (default 30 s). */
  pingIntervalMs?: number;
}

export interface LiveServer {
  close(): Promise<void>;
}

/** Clients only listen; anything they send is ignored, and nothing large is accepted. */
const MAX_CLIENT_MESSAGE_BYTES = 4096;
const CLOSE_GRACE_MS = 200;

/**
 * `GET /v1/live` WebSocket on the API's HTTP server. Browsers cannot set headers on a WebSocket, so the key comes
 * as `?key=` (and an operator key names its tenant with `?tenant=`). The key is checked before the upgrade: a
 * refused client gets a plain HTTP 401/403 with a problem body, never an open socket.
 */
export function attachLiveServer(server: Server, deps: LiveServerDeps): LiveServer {
  const { db, keys, fanout, logger } = deps;
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE_BYTES, perMessageDeflate: false });
  const handshaking = new Set<Duplex>();
  const alive = new WeakMap<WebSocket, boolean>();
  let closing = false;

  async function authenticate(url: URL): Promise<string> {
    const key = url.searchParams.get('key');
    const principal = key ? await keys.lookup(key) : null;
    if (!principal) throw Unauthorized([]);
    if (!READERS.includes(principal.role)) throw Forbidden([principal.role, READERS]);
    return actingTenant(keys, principal, url.searchParams.get('tenant') ?? undefined);
  }

  function refuse(socket: Duplex, status: number, code: string, detail: string, path: string): void {
    const body = JSON.stringify(problemBody(status, code, detail, path));
    socket.once('finish', () => socket.destroy());
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }

  async function welcome(ws: WebSocket, tenantId: string): Promise<void> {
    // The first frame is the map's starting state; live frames follow once the socket joins the fan-out.
    const snapshot: LiveItem[] = (await latestPositions(db, tenantId)).map((p) => ({ type: 'position', data: p }));
    if (ws.readyState !== WebSocket.OPEN) return;
    ws.send(JSON.stringify(snapshot));
    fanout.add(wsLiveSocket(ws), tenantId);
  }

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    socket.on('error', (err) => logger.debug({ err }, 'live socket error'));
    if (closing) return refuse(socket, 503, 'FT_SHUTTING_DOWN', 'server shutting down', url.pathname);
    if (url.pathname !== LIVE_PATH) return refuse(socket, 404, 'FT_NOT_FOUND', `no WebSocket at ${url.pathname}`, url.pathname);
    handshaking.add(socket);
    authenticate(url).then(
      (tenantId) => {
        handshaking.delete(socket);
        if (closing || socket.destroyed) return void socket.destroy();
        wss.handleUpgrade(req, socket, head, (ws) => {
          alive.set(ws, true);
          ws.on('pong', () => alive.set(ws, true));
          ws.on('error', (err) => logger.debug({ err, tenantId }, 'live socket error'));
          welcome(ws, tenantId).catch((err: unknown) => {
            logger.error({ err, tenantId }, 'live feed snapshot failed');
            ws.close(1011, 'snapshot failed');
          });
        });
      },
      (err: unknown) => {
        handshaking.delete(socket);
        if (err instanceof FieldtraceError && err.statusCode < 500) {
          refuse(socket, err.statusCode, err.code, err.message, url.pathname);
        } else {
          logger.error({ err }, 'live feed authentication failed');
          refuse(socket, 500, 'FT_INTERNAL', 'internal error; see the server log', url.pathname);
        }
      },
    );
  }

  server.on('upgrade', onUpgrade);
  const pinger = setInterval(() => {
    for (const ws of wss.clients) {
      if (alive.get(ws) === false) {
        ws.terminate();
        continue;
      }
      alive.set(ws, false);
      ws.ping();
    }
  }, deps.pingIntervalMs ?? 30_000);
  pinger.unref();

  return {
    async close() {
      closing = true;
      clearInterval(pinger);
      server.off('upgrade', onUpgrade);
      for (const socket of handshaking) socket.destroy();
      handshaking.clear();
      fanout.close();
      for (const ws of wss.clients) if (ws.readyState === WebSocket.OPEN) ws.close(1001, 'server shutting down');
      // Upgraded sockets keep the HTTP server from closing: give the close frames a moment, then cut.
      if (wss.clients.size > 0) await new Promise((r) => setTimeout(r, CLOSE_GRACE_MS));
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
