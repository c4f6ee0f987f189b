import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Kernel clock ticks per second for /proc/<pid>/stat times (USER_HZ; 100 on every mainstream Linux build). */
function clockTicksPerSecond(): number {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(ticks) && ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
}

const TICKS_PER_S = clockTicksPerSecond();

/**
 * CPU seconds (user + system) another process has used so far. process.cpuUsage() only sees this process, so a
 * child is read from /proc/<pid>/stat fields 14 (utime) and 15 (stime), in clock ticks — after the `)` that ends
 * the command name, which may itself contain spaces.
 */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so field N is fields[N - 3].
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
}

/** Resident set size of a process, MB (VmRSS in /proc/<pid>/status, which the kernel reports in kB). */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const at = status.indexOf('VmRSS:');
  if (at < 0) return NaN;
  return Number.parseInt(status.slice(at + 6).trimStart(), 10) / 1024;
}
