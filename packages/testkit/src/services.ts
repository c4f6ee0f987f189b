import { connect } from 'node:net';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

/**
 * Where the real servers of this machine are. Tests that need them use these; `CI=true` makes a missing
 * server a failure instead of a skip, so CI can never pass by silently skipping.
 */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const TEST_MQTT_URL = process.env.TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';

export function reachable(url: string, timeoutMs = 500): Promise<boolean> {
  const u = new URL(url);
  const port = Number(u.port) || (u.protocol.startsWith('postgres') ? 5432 : 1883);
  return new Promise((resolveP) => {
    const s = connect({ host: u.hostname, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolveP(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** `{ skip: reason }` for node:test when a server is absent on a laptop; throws under CI. */
export async function requireServer(name: string, url: string): Promise<{ skip?: string }> {
  if (await reachable(url)) return {};
  if (process.env.CI) throw new Error(`${name} at ${url} is not reachable, and CI requires it`);
  return { skip: `${name} not reachable at ${url}` };
}

/** A schema name no other test run uses, so suites can share the test database concurrently. */
export function uniqueSchema(prefix: string): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/** The repository root, found from any compiled file below it. */
export function repoRoot(from: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(from));
  while (!existsSync(resolve(dir, 'package.json')) || !existsSync(resolve(dir, 'packages'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('repository root not found');
    dir = up;
  }
  return dir;
}

/** A file of the shared real-data folder that sits beside the checkout (`../shared`). */
export function sharedFixture(relative: string): string {
  return resolve(repoRoot(), '..', 'shared', relative);
}
