/// <reference types="pdfkit" />
/**
 * Page layout on top of pdfkit for the report: a cursor that breaks pages before a block that would not fit, simple
 * tables with a header repeated on every page, page numbers, and text made safe for the standard fonts.
 */

export type Doc = PDFKit.PDFDocument;

export const MARGIN = 40;
export const FONT = 'Helvetica';
export const BOLD = 'Helvetica-Bold';
export const GREY = '#666666';
export const RULE = '#dddddd';

/** Tracks the cursor and breaks pages before anything that would not fit (pdfkit's own flow only covers text). */
export class Writer {
  readonly doc: Doc;
  readonly left = MARGIN;
  readonly contentWidth: number;
  y = MARGIN;

  constructor(doc: Doc) {
    this.doc = doc;
    this.contentWidth = doc.page.width - 2 * MARGIN;
  }

  get bottom(): number {
    // Room is kept for the page number line.
    return this.doc.page.height - MARGIN - 14;
  }

  /** Starts a new page when `h` points do not fit below the cursor; true when it did. */
  ensure(h: number): boolean {
    if (this.y + h <= this.bottom) return false;
    this.doc.addPage();
    this.y = MARGIN;
    return true;
  }

  /** A section heading kept together with at least `keepWith` points of what follows. */
  heading(text: string, keepWith: number): void {
    this.y += 10;
    this.ensure(24 + keepWith);
    this.text(text, this.left, this.y, { font: BOLD, size: 13 });
    this.y += 17;
    this.doc.moveTo(this.left, this.y).lineTo(this.left + this.contentWidth, this.y).lineWidth(0.5).strokeColor(RULE).stroke();
    this.y += 6;
  }

  paragraph(text: string, o: { colour?: string; size?: number; font?: string } = {}): void {
    const doc = this.doc;
    doc.font(o.font ?? FONT).fontSize(o.size ?? 10);
    const s = pdfText(text);
    const h = doc.heightOfString(s, { width: this.contentWidth });
    this.ensure(h);
    doc.fillColor(o.colour ?? '#222222').text(s, this.left, this.y, { width: this.contentWidth });
    this.y += h + 6;
  }

  /** One line of text at an absolute position; never wraps, never moves the cursor, never breaks the page. */
  text(
    s: string,
    x: number,
    y: number,
    o: { font?: string; size?: number; colour?: string; width?: number; align?: 'left' | 'right' | 'center' } = {},
  ): void {
    const doc = this.doc;
    doc.font(o.font ?? FONT).fontSize(o.size ?? 9).fillColor(o.colour ?? '#222222');
    const t = o.width !== undefined ? fit(doc, pdfText(s), o.width) : pdfText(s);
    doc.text(t, x, y, { lineBreak: false, width: o.width, align: o.align ?? 'left' });
  }
}

export interface Column {
  header: string;
  width: number;
  align?: 'left' | 'right' | 'center';
}

/** Header row; repeated at the top of each page a table continues onto. */
export function tableHeader(w: Writer, cols: readonly Column[]): void {
  const doc = w.doc;
  doc.rect(w.left, w.y, w.contentWidth, 16).fill('#f0f0f0');
  let x = w.left;
  for (const c of cols) {
    w.text(c.header, x + 3, w.y + 4.5, { font: BOLD, size: 8, width: c.width - 6, align: c.align ?? 'left' });
    x += c.width;
  }
  w.y += 16;
}

export function rule(w: Writer, colour = RULE, width = 0.5): void {
  w.doc.moveTo(w.left, w.y).lineTo(w.left + w.contentWidth, w.y).lineWidth(width).strokeColor(colour).stroke();
}

/** Splits the content width into columns by weight. */
export function columns(w: Writer, spec: ReadonlyArray<[string, number, Column['align']?]>): Column[] {
  const sum = spec.reduce((s, c) => s + c[1], 0);
  return spec.map(([header, weight, align]) => ({ header, width: (w.contentWidth * weight) / sum, align }));
}

/** Shortens `s` with an ellipsis until it fits `width` at the current font and size. */
export function fit(doc: Doc, s: string, width: number): string {
  if (doc.widthOfString(s) <= width) return s;
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (doc.widthOfString(`${s.slice(0, mid)}…`) <= width) lo = mid;
    else hi = mid - 1;
  }
  return `${s.slice(0, lo).trimEnd()}…`;
}

/** Code points the standard fonts can show (WinAnsiEncoding): printable Latin-1 and the CP1252 extras. */
const WIN_ANSI_EXTRA = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');

/** Replaces what the standard fonts cannot encode with "?", and line breaks with spaces. */
export function pdfText(s: string): string {
  let out = '';
  for (const ch of s.normalize('NFC')) {
    const c = ch.codePointAt(0)!;
    if ((c >= 0x20 && c < 0x7f) || (c >= 0xa0 && c <= 0xff) || WIN_ANSI_EXTRA.has(ch)) out += ch;
    else if (c === 0x0a || c === 0x0d || c === 0x09) out += ' ';
    else out += '?';
  }
  return out;
}

/** Writes `label(page, pages)` centred in the bottom margin of every buffered page (needs `bufferPages: true`). */
export function pageNumbers(doc: Doc, label: (page: number, pages: number) => string): void {
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    // Writing inside the bottom margin would make pdfkit start yet another page; lift the margin while we do.
    const saved = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc.font(FONT).fontSize(7.5).fillColor('#888888');
    doc.text(fit(doc, pdfText(label(i + 1, range.count)), doc.page.width - 2 * MARGIN), MARGIN, doc.page.height - MARGIN + 2, {
      width: doc.page.width - 2 * MARGIN,
      align: 'center',
      lineBreak: false,
    });
    doc.page.margins.bottom = saved;
  }
}
