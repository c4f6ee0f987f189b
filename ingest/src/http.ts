import { createServer, type Server } from 'node:http';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { Aedes } from 'aedes';
import type { IngestMetrics } from './metrics.js';

export const MQTT_WS_PATH = '/mqtt';

/**
 * The ingest service's HTTP side: Prometheus text at /metrics and, with the embedded broker, MQTT over
 * WebSocket at /mqtt (browsers and devices behind proxies that only pass HTTP).
 */
export function createIngestHttp(metrics: IngestMetrics, aedes: Aedes | null): Server {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/metrics') {
      metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(text);
        },
        (err: Error) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(err.message);
        },
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'application/problem+json' });
    res.end(JSON.stringify({ type: 'about:blank', title: 'Not Found', status: 404, detail: `${req.url} is not served here; try /metrics` }));
  });
  if (aedes) {
    const wss = new WebSocketServer({ noServer: true });
    server.on('upgrade', (req, socket, head) => {
      if (new URL(req.url ?? '/', 'http://x').pathname !== MQTT_WS_PATH) {
        socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => aedes.handle(createWebSocketStream(ws), req));
    });
    server.on('close', () => wss.close());
  }
  return server;
}
