/**
 * A growable struct-of-arrays of scored boxes: what the decoders fill and NMS reads. Typed arrays reused across
 * tiles and images, so decoding a 20 MP picture's ~80 tiles allocates nothing once the buffer has grown to size.
 */
export class Candidates {
  x1: Float32Array;
  y1: Float32Array;
  x2: Float32Array;
  y2: Float32Array;
  score: Float32Array;
  cls: Int32Array;
  /** Which tile (or other group) produced the box; NMS uses it to treat cut-off boxes across tiles specially. */
  group: Int32Array;
  length = 0;

  constructor(capacity = 1024) {
    this.x1 = new Float32Array(capacity);
    this.y1 = new Float32Array(capacity);
    this.x2 = new Float32Array(capacity);
    this.y2 = new Float32Array(capacity);
    this.score = new Float32Array(capacity);
    this.cls = new Int32Array(capacity);
    this.group = new Int32Array(capacity);
  }

  get capacity(): number {
    return this.score.length;
  }

  clear(): void {
    this.length = 0;
  }

  push(x1: number, y1: number, x2: number, y2: number, score: number, cls: number, group = 0): void {
    if (this.length === this.capacity) this.grow();
    const i = this.length++;
    this.x1[i] = x1;
    this.y1[i] = y1;
    this.x2[i] = x2;
    this.y2[i] = y2;
    this.score[i] = score;
    this.cls[i] = cls;
    this.group[i] = group;
  }

  private grow(): void {
    const n = this.capacity * 2;
    const f = (a: Float32Array) => {
      const b = new Float32Array(n);
      b.set(a);
      return b;
    };
    this.x1 = f(this.x1);
    this.y1 = f(this.y1);
    this.x2 = f(this.x2);
    this.y2 = f(this.y2);
    this.score = f(this.score);
    const c = new Int32Array(n);
    c.set(this.cls);
    this.cls = c;
    const g = new Int32Array(n);
    g.set(this.group);
    this.group = g;
  }
}
