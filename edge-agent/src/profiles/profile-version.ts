import type { ProfileVersion } from './device-profile.js';

interface Semver {
  major: number;
  minor: number;
  patch: number;
  pre: string[];
}

/** An integer version `n` orders as `n.0.0`, so a profile may move from integers to semver without going backwards. */
function toSemver(v: ProfileVersion): Semver {
  if (typeof v === 'number') return { major: v, minor: 0, patch: 0, pre: [] };
  const dash = v.indexOf('-');
  const core = (dash < 0 ? v : v.slice(0, dash)).split('.').map(Number);
  return { major: core[0] ?? 0, minor: core[1] ?? 0, patch: core[2] ?? 0, pre: dash < 0 ? [] : v.slice(dash + 1).split('.') };
}

function compareIdentifiers(a: string, b: string): number {
  const an = /^[0-9]+$/.test(a);
  const bn = /^[0-9]+$/.test(b);
  if (an && bn) return Number(a) - Number(b);
  if (an !== bn) return an ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Semver 2.0.0 §11 precedence: negative when `a` is older than `b`. */
export function compareProfileVersions(a: ProfileVersion, b: ProfileVersion): number {
  const x = toSemver(a);
  const y = toSemver(b);
  const core = x.major - y.major || x.minor - y.minor || x.patch - y.patch;
  if (core !== 0) return Math.sign(core);
  // A pre-release is older than its release: 2.0.0-rc.1 < 2.0.0.
  if (x.pre.length === 0 && y.pre.length === 0) return 0;
  if (x.pre.length === 0) return 1;
  if (y.pre.length === 0) return -1;
  for (let i = 0; i < Math.min(x.pre.length, y.pre.length); i++) {
    const c = compareIdentifiers(x.pre[i]!, y.pre[i]!);
    if (c !== 0) return Math.sign(c);
  }
  return Math.sign(x.pre.length - y.pre.length);
}

export function formatProfileVersion(v: ProfileVersion): string {
  return String(v);
}
