import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { deviceUsername, uplinkTopic, type UplinkKind } from '@fieldtrace/protocol';
import type { Clock, Logger } from '@fieldtrace/service-kit';
import type { DurableQueue, ReadResult } from '../queue/index.js';
import { ContiguousAcks } from './contiguous-acks.js';
import { DrainPlan, type DrainOrder, type DrainPick } from './drain-plan.js';
import { isSendable, singleRecordFramer, type Framer, type OutgoingMessage } from './framing.js';
import { FixHold } from './fix-hold.js';
import { TokenBucket } from './token-bucket.js';
import { createConnectionStateMachine, type UplinkState } from './connection-state.js';

export interface UplinkTls {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  rejectUnauthorized?: boolean;
  servername?: string;
}

export interface UplinkOptions {
  mqttUrl: string;
  tenantId: string;
  deviceId: string;
  /** The device's own secret (MQTT password); the username and clientId are `{tenant}/d/{device}`. */
  secret: string;
  protocolVersion: 4 | 5;
  tls?: UplinkTls;
  /** Unacknowledged QoS 1 publishes at once. */
  maxInFlight: number;
  drainOrder: DrainOrder;
  /** Backlog records per second (0 = unlimited), so a long outage does not saturate a weak cellular link. */
  backlogRatePerS: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  keepaliveS: number;
  /** Register a DeviceStatus last will on the `status` uplink topic (see createUplink). */
  lastWill: { firmware?: string } | null;
  /** How records become publishes; default: one record per message. See createFixBatchFramer. */
  framer?: Framer;
  /**
   * Hold a live fix batch that still has room for up to this long (ms, from when the uplink first saw its oldest
   * fix) so later fixes can join it; 0 = send live fixes at once. Backlog batches are never held.
   */
  batchMaxAgeMs?: number;
}

export interface UplinkStats {
  state: UplinkState;
  connects: number;
  published: number;
  acked: number;
  failed: number;
  inFlight: number;
  ackedThrough: number;
  /** Seqs found missing when draining (evicted or corrupt; the queue counts why). */
  skipped: number;
  backlogRemaining: number;
}

export interface Uplink {
  start(): Promise<void>;
  close(): Promise<void>;
  stats(): UplinkStats;
}

export type Connect = (url: string, options: IClientOptions) => MqttClient;

const CLOSE_GRACE_MS = 2_000;
/** Records read from the queue at once, whatever the window: bounds memory on a long backlog. */
const MAX_READ_RECORDS = 5_000;
/** MQTT 5 §3.1.2.11.2: without a session expiry the broker drops the session at disconnect despite clean: false. */
const SESSION_EXPIRY_S = 7 * 24 * 3600;

/**
 * Sends the durable queue to the broker with QoS 1 over a persistent session (clean: false, clientId = username):
 * publishes unacknowledged at a disconnect stay in mqtt.js's outgoing store and are resent on reconnect, so only a
 * process restart re-reads from the ack cursor. The cursor advances over the contiguous acknowledged prefix only.
 *
 * Last will: DeviceStatus has no online flag, so the will is a valid DeviceStatus (`ts` = when it was registered,
 * `backlog` then) on `ft/{t}/d/{d}/up/status`, QoS 1, not retained (a retained uplink message would be replayed to
 * every new ingest subscriber). The platform reads "offline" from its arrival. Its seq is reserved by storing a
 * `will` record in the queue, which is never sent itself, so the seq is durable and never reused.
 */
export function createUplink(options: UplinkOptions, deps: { queue: DurableQueue; logger: Logger; clock: Clock; connect?: Connect }): Uplink {
  const { queue, clock } = deps;
  const framer = options.framer ?? singleRecordFramer;
  const username = deviceUsername(options.tenantId, options.deviceId);
  const log = deps.logger.child({ deviceId: options.deviceId });
  const topics = new Map<UplinkKind, string>();
  const topicOf = (kind: UplinkKind) => topics.get(kind) ?? topics.set(kind, uplinkTopic(options.tenantId, options.deviceId, kind)).get(kind)!;
  const acks = new ContiguousAcks(queue.ackedSeq);
  const plan = new DrainPlan(options.drainOrder);
  const bucket = new TokenBucket(options.backlogRatePerS, clock);
  const counters = { published: 0, acked: 0, failed: 0, skipped: 0 };
  const retry: OutgoingMessage[] = [];
  const hold = new FixHold(options.batchMaxAgeMs ?? 0, clock);
  // Under a backlog rate limit, wait for tokens enough for a full batch (or the whole one-second burst).
  const minBacklogTokens = Math.min(framer.maxRecordsPerMessage, bucket.capacity);
  const backlogTokens = () => {
    const tokens = bucket.available();
    return tokens >= minBacklogTokens ? tokens : 0;
  };
  let inFlight = 0;
  let client: MqttClient | null = null;
  let pumping = false;
  let again = false;
  let wakeTimer: NodeJS.Timeout | null = null;
  let unsubscribe = () => {};
  const connection = createConnectionStateMachine(options, log, clock);

  function markGone(from: number, to: number): void {
    if (to <= from) return;
    counters.skipped += to - from;
    acks.doneRange(from, to);
  }

  function publish(messages: readonly OutgoingMessage[]): void {
    for (const message of messages) {
      inFlight++;
      counters.published++;
      client!.publish(topicOf(message.kind), message.payload, { qos: 1 }, (err) => {
        inFlight--;
        if (err) {
          if (connection.state === 'closed') return;
          counters.failed++;
          retry.push(message);
          log.warn({ err: err.message, seqs: message.seqs.length }, 'publish failed; will resend');
        } else {
          counters.acked += message.seqs.length;
          for (const seq of message.seqs) acks.done(seq);
          queue.ack(acks.through);
        }
        void pump();
      });
    }
  }

  /** Frames what was read; returns the seq the next read of this range starts at. */
  function sendRead(pick: DrainPick, result: ReadResult, readMax: number, room: number): number {
    const { records } = result;
    const framed = framer.frame(records, room);
    let consumed = framed.consumed;
    if (framed.openBatchAt !== null) {
      // A read cut short by `readMax` may end inside a run of fixes: re-read it rather than send a short batch.
      const moreMayFollow = records.length >= readMax && result.resumeAt < pick.until;
      const holdForMore = moreMayFollow ? framed.openBatchAt > 0 : !pick.backlog && hold.keep(records[framed.openBatchAt]!.seq, queue.storedNextSeq);
      if (holdForMore) {
        framed.messages.pop();
        consumed = framed.openBatchAt;
      } else if (!pick.backlog) hold.release();
    } else if (!pick.backlog) hold.release();
    const resumeAt = consumed < records.length ? records[consumed]!.seq : result.resumeAt;
    let expected = pick.from;
    for (let i = 0; i < consumed; i++) {
      const r = records[i]!;
      markGone(expected, r.seq);
      expected = r.seq + 1;
      if (!isSendable(r)) acks.done(r.seq);
    }
    markGone(expected, resumeAt);
    if (pick.backlog) bucket.take(consumed);
    publish(framed.messages);
    return resumeAt;
  }

  async function pump(): Promise<void> {
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    try {
      do {
        again = false;
        while (connection.state === 'connected' && inFlight < options.maxInFlight) {
          const room = options.maxInFlight - inFlight;
          if (retry.length > 0) {
            publish(retry.splice(0, room));
            continue;
          }
          const readMax = Math.min(MAX_READ_RECORDS, room * framer.maxRecordsPerMessage);
          const pick = plan.next(readMax, hold.liveUntil(queue.storedNextSeq), backlogTokens());
          if (!pick) break;
          const result = await queue.read(pick.from, pick.max, pick.until);
          const resumeAt = sendRead(pick, result, pick.max, room);
          plan.advance(pick, resumeAt);
          queue.ack(acks.through);
          if (resumeAt <= pick.from) break;
        }
      } while (again);
    } catch (err) {
      log.error({ err }, 'uplink could not read the queue');
    } finally {
      pumping = false;
    }
    if (connection.state !== 'connected' || inFlight >= options.maxInFlight) return;
    if (plan.backlogWaiting() && !wakeTimer) {
      wakeTimer = setTimeout(() => {
        wakeTimer = null;
        void pump();
      }, bucket.waitMs(minBacklogTokens));
    }
    hold.arm(() => void pump());
  }

  return {
    async start() {
      let will: IClientOptions['will'];
      if (options.lastWill) {
        const [record] = await queue.append([
          { kind: 'will', body: { ts: clock.now(), ...(options.lastWill.firmware ? { firmware: options.lastWill.firmware } : {}), backlog: queue.stats().backlog } },
        ]);
        will = { topic: topicOf('status'), payload: Buffer.from(record!.body), qos: 1, retain: false };
      }
      const connect = deps.connect ?? mqtt.connect;
      client = connect(options.mqttUrl, {
        clientId: username,
        username,
        password: options.secret,
        protocolVersion: options.protocolVersion,
        clean: false,
        ...(options.protocolVersion === 5 ? { properties: { sessionExpiryInterval: SESSION_EXPIRY_S } } : {}),
        keepalive: options.keepaliveS,
        reconnectPeriod: options.reconnectMinMs,
        reconnectOnConnackError: true,
        connectTimeout: 10_000,
        ...(will ? { will } : {}),
        ...options.tls,
      });
      connection.attach(client, () => {
        plan.onSession(queue.storedNextSeq, acks);
        void pump();
      });
      unsubscribe = queue.onStored(() => void pump());
    },
    async close() {
      unsubscribe();
      if (wakeTimer) clearTimeout(wakeTimer);
      hold.close();
      if (!client) return;
      const wasConnected = connection.close();
      if (!wasConnected) return void (await client.endAsync(true));
      // Give in-flight publishes a moment to be acknowledged, but never hang shutdown on a silent broker.
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), CLOSE_GRACE_MS)));
      const outcome = await Promise.race([client.endAsync(false), deadline]);
      clearTimeout(timer);
      if (outcome === 'late') client.stream.destroy();
    },
    stats() {
      return {
        state: connection.state,
        connects: connection.connects,
        ...counters,
        inFlight,
        ackedThrough: acks.through,
        backlogRemaining: plan.backlogRemaining,
      };
    },
  };
}
