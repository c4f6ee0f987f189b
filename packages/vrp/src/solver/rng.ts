/**
 * The search's PRNG: mulberry32 (32-bit state, period 2^32, no allocation per draw), plenty for choosing removals
 * and blinks. Owning it here keeps the solver deterministic for a given seed and iteration count.
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    // Mix the seed once so seeds 0, 1, 2... start far apart.
    this.state = (Math.imul((seed | 0) ^ 0x9e3779b9, 0x85ebca6b) ^ 0x27d4eb2f) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    const a = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Fisher–Yates over the first `n` entries. */
  shuffle(a: Int32Array | number[], n: number = a.length): void {
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
    }
  }
}
