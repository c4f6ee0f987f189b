import type { Server } from 'node:http';
import type { AddressInfo, Server as NetServer } from 'node:net';
import type { Logger } from 'pino';
import { explainListenError, type Bus, type Clock } from '@fieldtrace/service-kit';
import { dropExpiredPartitions, ensurePartitions, type Db } from '@fieldtrace/store';
import type { IngestConfig } from './config.js';
import { IngestMetrics } from './metrics.js';
import { StoreWriter } from './store-writer.js';
import { LastSeen } from './last-seen.js';
import { createEmbeddedBroker, type EmbeddedBroker } from './broker.js';
import { createExternalSubscriber, type ExternalSubscriber } from './external.js';
import { createIngestHttp, MQTT_WS_PATH } from './http.js';

export interface IngestDeps {
  db: Db;
  bus: Bus;
  logger: Logger;
  clock: Clock;
}

export interface IngestEndpoints {
  /** Embedded broker's MQTT/TCP URL, or the external broker's URL. */
  mqttUrl: string;
  /** MQTT over WebSocket (embedded broker only). */
  mqttWsUrl: string | null;
  metricsUrl: string;
}

export interface Ingest {
  readonly metrics: IngestMetrics;
  start(): Promise<IngestEndpoints>;
  /** Waits until everything received so far is committed. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

const PARTITION_MAINTENANCE_MS = 6 * 3600_000;

export function buildIngest(config: IngestConfig, deps: IngestDeps): Ingest {
  const { db, bus, logger, clock } = deps;
  const metrics = new IngestMetrics();
  const lastSeen = new LastSeen(db, logger);
  const writer = new StoreWriter(db, bus, metrics, lastSeen, logger, {
    maxRows: config.BATCH_MAX_ROWS,
    flushMs: config.BATCH_FLUSH_MS,
    maxInFlight: db.kind === 'pglite' ? 1 : 2,
    observe: metrics.observeBatch,
  });
  let broker: EmbeddedBroker | null = null;
  let external: ExternalSubscriber | null = null;
  let http: Server | null = null;
  let maintenance: NodeJS.Timeout | null = null;
  let closed = false;

  // Ingest owns the telemetry tables' upkeep: tomorrow's partitions exist before tomorrow, expired ones go.
  const maintain = async () => {
    try {
      await ensurePartitions(db, logger, clock.now());
      await dropExpiredPartitions(db, logger, clock.now(), config.RETENTION_DAYS);
    } catch (err) {
      logger.error({ err }, 'partition maintenance failed; will retry');
    }
  };

  return {
    metrics,
    async start() {
      let mqttUrl: string;
      if (config.MQTT_URL) {
        external = await createExternalSubscriber({
          url: config.MQTT_URL, clientId: config.INGEST_CLIENT_ID, group: config.INGEST_SHARE_GROUP, sessionExpiryS: config.INGEST_SESSION_EXPIRY_S, writer, logger, clock,
        });
        mqttUrl = config.MQTT_URL;
      } else {
        broker = await createEmbeddedBroker({ db, writer, metrics, logger, clock });
        const port = await listen(broker.tcp, config.MQTT_PORT, config.MQTT_HOST, 'the embedded MQTT broker', 'MQTT_PORT');
        mqttUrl = `mqtt://${displayHost(config.MQTT_HOST)}:${port}`;
      }
      http = createIngestHttp(metrics, broker?.aedes ?? null);
      const httpPort = await listen(http, config.INGEST_HTTP_PORT, config.MQTT_HOST, 'the ingest HTTP listener (MQTT over WebSocket, /metrics)', 'INGEST_HTTP_PORT');
      const base = `${displayHost(config.MQTT_HOST)}:${httpPort}`;
      const endpoints = {
        mqttUrl,
        mqttWsUrl: broker ? `ws://${base}${MQTT_WS_PATH}` : null,
        metricsUrl: `http://${base}/metrics`,
      };
      await maintain();
      lastSeen.start();
      maintenance = setInterval(maintain, PARTITION_MAINTENANCE_MS);
      maintenance.unref();
      logger.info({ ...endpoints, mode: external ? 'external-broker' : 'embedded-broker' }, 'ingest listening');
      return endpoints;
    },
    drain: () => writer.drain(),
    async close() {
      if (closed) return;
      closed = true;
      if (maintenance) clearInterval(maintenance);
      if (broker) await broker.close();
      if (external) await external.close();
      await writer.drain();
      await lastSeen.close();
      if (http) await new Promise<void>((resolve) => http!.close(() => resolve()));
    },
  };
}

function listen(server: NetServer, port: number, host: string, what: string, variable: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(explainListenError(err, what, port, variable));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function displayHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
}
