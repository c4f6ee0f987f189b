/**
 * The edge agent alone in its own process, for bench/edge-agent (which samples this process's CPU and RSS from
 * /proc). Argument: one JSON object (EdgeAgentChildArgs) in argv[2]. Modes:
 *   steady — a synthetic 10 Hz GPS receiver on a moving truck and 10 sensors at 1 Hz, until SIGTERM;
 *   fill   — `fixes` fixes 1 s apart (a day offline at 1 Hz) into the queue with the broker unreachable, then exit;
 *   drain  — no sources: the uplink drains the queue it finds, until SIGTERM.
 * Prints `ready` once started and `stats {json}` on the way out.
 */
import { offsetLatLon } from '@fieldtrace/protocol';
import { loadConfig, silentLogger, systemClock } from '@fieldtrace/service-kit';
import { AgentConfig, buildAgent, type Agent, type AgentDeps } from '@fieldtrace/edge-agent/agent';

type Source = AgentDeps['sources'][number];
type Emit = Parameters<Source['start']>[0];

export interface EdgeAgentChildArgs {
  mode: 'steady' | 'fill' | 'drain';
  queueDir: string;
  mqttUrl: string;
  /** Environment-style overrides for AgentConfig (BATCH_MAX_FIXES, ADAPTIVE_FILTER...). */
  env: Record<string, string>;
  /** fill: how many fixes. */
  fixes?: number;
}

const rssAtStartMb = process.memoryUsage().rss / 1048576;
const args = JSON.parse(process.argv[2] ?? '{}') as EdgeAgentChildArgs;
const DAY_START = 1_763_683_200_000;

function every(ms: number, phaseMs: number, tick: () => void): { stop(): void } {
  let interval: NodeJS.Timeout | null = null;
  const first = setTimeout(() => {
    tick();
    interval = setInterval(tick, ms);
  }, phaseMs);
  return {
    stop() {
      clearTimeout(first);
      if (interval) clearInterval(interval);
    },
  };
}

/** A receiver at 10 Hz on a truck doing ~50 km/h with gentle turns: the adaptive filter keeps a fix every ~50 m. */
function gps10Hz(): Source {
  let timer: { stop(): void } | null = null;
  let emitted = 0;
  let [lat, lon] = [43.7, 7.42];
  let heading = 90;
  return {
    name: 'gps-10hz',
    async start(emit: Emit) {
      timer = every(100, 0, () => {
        const speed = 13 + Math.random() * 2;
        heading = (heading + (Math.random() - 0.5) * 4 + 360) % 360;
        [lat, lon] = offsetLatLon(lat, lon, heading, speed / 10);
        emitted++;
        emit({ kind: 'fix', body: { ts: systemClock.now(), lat, lon, alt: 42, accuracy: 3.5, speed, heading, fix: '3d', sats: 11, hdop: 0.8 } });
      });
    },
    async close() {
      timer?.stop();
    },
    stats: () => ({ emitted }),
  };
}

/** One sensor at 1 Hz; ten of them start 100 ms apart, as independent devices on a bus would. */
function sensor1Hz(index: number): Source {
  let timer: { stop(): void } | null = null;
  let emitted = 0;
  return {
    name: `sensor-${index}`,
    async start(emit: Emit) {
      timer = every(1000, index * 100, () => {
        emitted++;
        emit({ kind: 'sensor', body: { ts: systemClock.now(), readings: [{ name: `probe-${index}`, value: Math.round(Math.random() * 1000) / 10, unit: 'C' }] } });
      });
    },
    async close() {
      timer?.stop();
    },
    stats: () => ({ emitted }),
  };
}

/** A day of 1 Hz fixes, emitted as fast as the queue takes them (a setImmediate per 1,000 = one append batch). */
function backlogFill(total: number): Source {
  let emitted = 0;
  let stopped = false;
  return {
    name: 'fill',
    async start(emit: Emit) {
      const chunk = () => {
        if (stopped) return;
        for (let k = 0; k < 1000 && emitted < total; k++, emitted++) {
          emit({ kind: 'fix', body: { ts: DAY_START + emitted * 1000, lat: 43.7 + (emitted % 1000) * 1e-5, lon: 7.42, alt: 42, accuracy: 3.5, speed: 12.5, heading: 87, fix: '3d', sats: 11, hdop: 0.8 } });
        }
        if (emitted < total) setImmediate(chunk);
      };
      setImmediate(chunk);
    },
    async close() {
      stopped = true;
    },
    stats: () => ({ emitted }),
  };
}

const sources: Source[] =
  args.mode === 'steady' ? [gps10Hz(), ...Array.from({ length: 10 }, (_, i) => sensor1Hz(i))] : args.mode === 'fill' ? [backlogFill(args.fixes ?? 0)] : [];
const config = loadConfig(AgentConfig, {
  MQTT_URL: args.mqttUrl,
  TENANT_ID: 'bench',
  DEVICE_ID: 'truck-1',
  DEVICE_SECRET: 'bench-edge-agent-secret-0123456789',
  QUEUE_DIR: args.queueDir,
  RECONNECT_MIN_MS: '100',
  RECONNECT_MAX_MS: '1000',
  LOG_LEVEL: 'silent',
  ...args.env,
});
const agent: Agent = buildAgent(config, { logger: silentLogger, clock: systemClock, sources });

async function stop(code: number): Promise<never> {
  await agent.close();
  process.stdout.write(`stats ${JSON.stringify({ ...agent.stats(), memory: process.memoryUsage(), rssAtStartMb })}\n`);
  process.exit(code);
}

process.on('SIGTERM', () => void stop(0));
await agent.start();
process.stdout.write('ready\n');
if (args.mode === 'fill') {
  const target = args.fixes ?? 0;
  const poll = setInterval(() => {
    const q = agent.stats().queue;
    if (q && q.storedNextSeq - (q.ackedSeq + 1) >= target) {
      clearInterval(poll);
      void stop(0);
    }
  }, 50);
}
