import type { Logger } from 'pino';

export type BusHandler = (topic: string, message: unknown) => void;

/**
 * How services meet at run time. Topics follow the protocol package's topic map; messages are plain objects.
 * `createLocalBus` delivers in process (all-in-one mode: no serialisation at all); `createMqttBus` carries the
 * same topics over an external broker (one process per service in production).
 */
export interface Bus {
  publish(topic: string, message: unknown): void;
  /** Resolves once the subscription is active; the returned function removes it. */
  subscribe(filter: string, handler: BusHandler): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** MQTT filter matching (MQTT-3.1.1 §4.7): `+` one level, `#` the rest. `$share/{group}/` is stripped. */
export function topicMatches(filter: string, topic: string): boolean {
  if (filter.startsWith('$share/')) filter = filter.slice(filter.indexOf('/', 7) + 1);
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === '#') return true;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}

interface Subscription {
  filter: string;
  handler: BusHandler;
}

export function createLocalBus(logger: Logger): Bus {
  const subs: Subscription[] = [];
  // Topics are few (tenant × kind), so the matching subscribers are resolved once per topic and cached.
  const routes = new Map<string, Subscription[]>();

  const route = (topic: string): Subscription[] => {
    let r = routes.get(topic);
    if (!r) {
      r = subs.filter((s) => topicMatches(s.filter, topic));
      routes.set(topic, r);
    }
    return r;
  };

  return {
    publish(topic, message) {
      const r = route(topic);
      for (let i = 0; i < r.length; i++) {
        try {
          r[i]!.handler(topic, message);
        } catch (err) {
          // A subscriber's bug must not stop the publisher or the other subscribers.
          logger.error({ err, topic, filter: r[i]!.filter }, 'bus subscriber threw');
        }
      }
    },
    async subscribe(filter, handler) {
      const sub = { filter, handler };
      subs.push(sub);
      routes.clear();
      return async () => {
        const i = subs.indexOf(sub);
        if (i >= 0) subs.splice(i, 1);
        routes.clear();
      };
    },
    async close() {
      subs.length = 0;
      routes.clear();
    },
  };
}
