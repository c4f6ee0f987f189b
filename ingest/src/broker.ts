import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { Aedes, type Client, type AuthenticateError } from 'aedes';
import type { Logger } from 'pino';
import { downlinkPrefix, isUplinkKind, uplinkPrefix } from '@fieldtrace/protocol';
import type { Clock } from '@fieldtrace/service-kit';
import type { Db } from '@fieldtrace/store';
import { authenticateDevice } from './device-auth.js';
import { handleUplink } from './uplink.js';
import type { StoreWriter } from './store-writer.js';
import type { IngestMetrics } from './metrics.js';

/** What we know about a connected device, computed once at CONNECT so the per-message ACL is a prefix test. */
interface DeviceContext {
  tenantId: string;
  deviceId: string;
  uplinkPrefix: string;
  downlinkPrefix: string;
}

export interface EmbeddedBroker {
  aedes: Aedes;
  tcp: TcpServer;
  close(): Promise<void>;
}

const BAD_CREDENTIALS = 4; // MQTT 3.1.1 §3.2.2.3 CONNACK return code 4: bad user name or password

/**
 * The embedded aedes broker. Messages are consumed inside the broker's process (an aedes broker forwarding to a
 * separate subscriber collapses under load on this machine): authorizePublish is where each uplink is
 * validated and queued, and its callback — after which aedes sends the PUBACK — runs only once the message is
 * committed to the store.
 */
export async function createEmbeddedBroker(deps: {
  db: Db;
  writer: StoreWriter;
  metrics: IngestMetrics;
  logger: Logger;
  clock: Clock;
}): Promise<EmbeddedBroker> {
  const { db, writer, metrics, logger, clock } = deps;
  const devices = new WeakMap<Client, DeviceContext>();

  const aedes = await Aedes.createBroker({
    authenticate(client, username, password, done) {
      authenticateDevice(db, username, password).then(
        (id) => {
          if (!id) {
            logger.warn({ username, clientId: client.id }, 'device refused: bad credentials');
            const err = new Error('bad user name or password') as AuthenticateError;
            err.returnCode = BAD_CREDENTIALS;
            return done(err, false);
          }
          devices.set(client, {
            ...id,
            uplinkPrefix: uplinkPrefix(id.tenantId, id.deviceId),
            downlinkPrefix: downlinkPrefix(id.tenantId, id.deviceId),
          });
          done(null, true);
        },
        (err: Error) => {
          logger.error({ err }, 'device authentication failed');
          const e = new Error('server unavailable') as AuthenticateError;
          e.returnCode = 3;
          done(e, false);
        },
      );
    },

    authorizePublish(client, packet, done) {
      if (!client) return done(null); // the broker's own messages ($SYS)
      const ctx = devices.get(client);
      if (!ctx) return done(new Error('not authenticated'));
      const topic = packet.topic;
      const payload = packet.payload as Buffer;
      const prefix = ctx.uplinkPrefix;
      const kind = topic.startsWith(prefix) ? topic.slice(prefix.length) : '';
      if (!isUplinkKind(kind)) {
        // Publishing outside its own uplink (as another device, or onto a downlink or bus topic) is refused and
        // the connection closed, as MQTT 3.1.1 offers no negative PUBACK; the attempt is kept as evidence.
        logger.warn({ tenantId: ctx.tenantId, deviceId: ctx.deviceId, topic }, 'publish outside own uplink refused');
        writer.addDeadLetter(
          { tenantId: ctx.tenantId, deviceId: ctx.deviceId, topic, reason: 'acl', detail: `device may publish only under ${prefix}{kind}`, payload: Buffer.from(payload) },
          () => done(new Error('not authorized')),
        );
        return;
      }
      handleUplink(writer, ctx.tenantId, ctx.deviceId, kind, topic, payload, clock.now(), done);
    },

    authorizeSubscribe(client, sub, done) {
      const ctx = devices.get(client);
      if (ctx && sub.topic.startsWith(ctx.downlinkPrefix)) return done(null, sub);
      logger.warn({ clientId: client.id, filter: sub.topic }, 'subscription outside own downlink refused');
      done(null, null); // SUBACK 0x80 for this filter; the connection stays up
    },
  });

  aedes.on('clientReady', () => metrics.connectedDevices++);
  aedes.on('clientDisconnect', () => metrics.connectedDevices--);
  aedes.on('clientError', (client, err) => logger.debug({ clientId: client.id, err: err.message }, 'client error'));

  const tcp = createTcpServer(aedes.handle);
  return {
    aedes,
    tcp,
    async close() {
      // Stop accepting first; the listener's close completes once aedes has ended the open connections.
      const stopped = new Promise<void>((resolve) => tcp.close(() => resolve()));
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await stopped;
    },
  };
}
