import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { CrashChildArgs } from './crash-child.js';

const CHILD_SCRIPT = fileURLToPath(new URL('./crash-child.js', import.meta.url));

export interface RecoveryReport {
  truncatedBytes: number;
  corruptRegions: number;
  nextSeq: number;
}

export interface RunningChild {
  process: ChildProcess;
  /** Resolves with what the child's queue found when it opened (torn tail truncated, corruption, next seq). */
  ready: Promise<RecoveryReport>;
  done: Promise<void>;
  exited: Promise<number | null>;
}

export function spawnAgentChild(args: CrashChildArgs): RunningChild {
  const child = spawn(process.execPath, [CHILD_SCRIPT, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters: { line: string; resolve(rest: string): void }[] = [];
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    for (const w of waiters) {
      const at = out.indexOf(w.line);
      const end = out.indexOf('\n', at);
      if (at >= 0 && end > at) w.resolve(out.slice(at + w.line.length, end).trim());
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const lineOrExit = (line: string) =>
    new Promise<string>((resolve, reject) => {
      waiters.push({ line, resolve });
      void exited.then((code) => reject(new Error(`agent child exited (${code}) before '${line}': ${err.slice(-2000)}`)));
    });
  const ready = lineOrExit('ready').then((rest) => JSON.parse(rest) as RecoveryReport);
  const done = lineOrExit('done').then(() => undefined);
  done.catch(() => undefined);
  ready.catch(() => undefined);
  return { process: child, ready, done, exited };
}

/** `seq ts` lines the child wrote after each stored batch; a line torn by SIGKILL is ignored. */
export async function readStoredFixes(path: string): Promise<Map<number, number>> {
  const stored = new Map<number, number>();
  let text = '';
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return stored;
  }
  for (const line of text.split('\n')) {
    const [seq, ts] = line.split(' ');
    if (seq && ts && /^\d+$/.test(seq) && /^\d{13}$/.test(ts)) stored.set(Number(seq), Number(ts));
  }
  return stored;
}
