import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { EdgeAgentChildArgs } from './edge-agent-child.js';

const CHILD_SCRIPT = fileURLToPath(new URL('./edge-agent-child.js', import.meta.url));

export interface AgentChild {
  process: ChildProcess;
  pid: number;
  ready: Promise<void>;
  /** The agent's own stats, printed on its way out (after SIGTERM, or when a fill completes). */
  finished: Promise<Record<string, unknown>>;
  stop(): Promise<Record<string, unknown>>;
}

/** Spawns bench/edge-agent-child with `args`; rejects `ready`/`finished` with the child's stderr if it dies early. */
export function spawnAgentChild(args: EdgeAgentChildArgs, nodeOptions: readonly string[] = []): AgentChild {
  const child = spawn(process.execPath, [...nodeOptions, CHILD_SCRIPT, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const line = (prefix: string) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const at = out.indexOf(`${prefix}`);
        const end = out.indexOf('\n', at);
        if (at >= 0 && end > at) resolve(out.slice(at + prefix.length, end).trim());
      };
      child.stdout!.on('data', check);
      void exited.then((code) => {
        check();
        reject(new Error(`agent child exited (${code}) before '${prefix}': ${err.slice(-2000)}`));
      });
    });
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const ready = line('ready').then(() => undefined);
  const finished = line('stats ').then((json) => JSON.parse(json) as Record<string, unknown>);
  ready.catch(() => undefined);
  finished.catch(() => undefined);
  return {
    process: child,
    pid: child.pid!,
    ready,
    finished,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      try {
        return await finished;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
