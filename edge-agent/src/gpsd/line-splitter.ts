/**
 * Splits a text stream into newline-terminated lines (gpsd ends each JSON report with CRLF). A line longer than
 * `maxLineChars` is dropped up to its newline rather than buffered without bound: a broken peer must not exhaust
 * memory.
 */
export class LineSplitter {
  readonly maxLineChars: number;
  private pending = '';
  private discarding = false;
  overlong = 0;

  constructor(maxLineChars: number) {
    this.maxLineChars = maxLineChars;
  }

  /** Feeds one chunk; calls `onLine` for each complete line without its CR/LF. */
  push(chunk: string, onLine: (line: string) => void): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf('\n', start);
      if (nl < 0) break;
      if (this.discarding) {
        this.discarding = false;
        this.pending = '';
      } else {
        let line = this.pending.length > 0 ? this.pending + chunk.slice(start, nl) : chunk.slice(start, nl);
        this.pending = '';
        if (line.charCodeAt(line.length - 1) === 13 /* \r */) line = line.slice(0, -1);
        if (line.length > this.maxLineChars) this.overlong++;
        else onLine(line);
      }
      start = nl + 1;
    }
    if (start >= chunk.length || this.discarding) return;
    this.pending += chunk.slice(start);
    if (this.pending.length > this.maxLineChars) {
      this.overlong++;
      this.pending = '';
      this.discarding = true;
    }
  }

  /** Forgets a partial line (the connection it came from is gone). */
  reset(): void {
    this.pending = '';
    this.discarding = false;
  }
}
