import PDFDocument from 'pdfkit';
import type { Estimate } from '@fieldtrace/protocol';
import {
  MACHINE_DETECTED_NOTE,
  SEVERITIES,
  SEVERITY_COLOUR,
  classLabel,
  countFindings,
  formatArea,
  findingRefs,
  formatDateTime,
  formatFlight,
  formatMoney,
  formatPercent,
  formatPosition,
  formatQuantity,
  numberFindings,
  roofAreaM2,
  roofPlan,
  scaleLabel,
  severityLabel,
  type FindingCounts,
  type InspectionReportData,
  type NumberedFinding,
  type RoofPlan,
} from './report-data.js';
import { BOLD, FONT, GREY, MARGIN, Writer, columns, pageNumbers, pdfText, rule, tableHeader, type Doc } from './pdf-layout.js';

/**
 * The inspection report as a PDF (pdfkit, A4): the same content as the HTML report, drawn with vector paths and the
 * 14 standard PDF fonts, so there is no font file to ship and no browser to run. Standard fonts speak WinAnsi
 * (Latin-1 plus a few typographic marks): characters outside it print as "?" rather than as garbage glyphs.
 *
 * Deterministic: CreationDate is `data.generatedAt` (pdfkit derives the file ID from it), so the same data renders
 * the same bytes.
 */

export interface PdfOptions {
  /** Deflate content streams (default true). Tests turn it off to read the text operators. */
  compress?: boolean;
}

const THUMB = 46; // findings table row height and thumbnail edge, pt

export function renderReportPdf(data: InspectionReportData, opts: PdfOptions = {}): Promise<Buffer> {
  const doc: Doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    compress: opts.compress ?? true,
    bufferPages: true, // page numbers are written once the page count is known
    info: {
      Title: `Roof inspection report - ${data.site.name}`,
      Author: data.tenantName,
      Subject: `Inspection ${data.inspection.id}`,
      Creator: 'Fieldtrace',
      Producer: 'Fieldtrace (PDFKit)',
      CreationDate: data.generatedAt,
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  try {
    const w = new Writer(doc);
    const numbered = numberFindings(data.findings);
    const counts = countFindings(data.findings);

    titleBlock(w, data);
    note(w, MACHINE_DETECTED_NOTE);

    w.heading('Roof plan', 200);
    const plan = roofPlan(data, { width: w.contentWidth, height: 300 });
    if (plan) drawPlan(w, plan);
    else w.paragraph('No roof outline or findings to draw.', { colour: GREY });

    w.heading('Summary', 80);
    countsTable(w, counts.onRoof, 'On the roof');
    if (counts.outsideRoof.totals.total > 0) countsTable(w, counts.outsideRoof, 'Outside the roof outline (not priced)');

    const onRoof = numbered.filter((x) => !x.finding.outsideRoof);
    const outside = numbered.filter((x) => x.finding.outsideRoof);
    w.heading('Findings on the roof', 80);
    if (onRoof.length > 0) findingsTable(w, onRoof, data.crops);
    else w.paragraph('No damage detected on the roof.', { colour: GREY });
    if (outside.length > 0) {
      w.heading('Outside the roof outline', 100);
      w.paragraph(
        "These detections lie outside the site's roof outline (a neighbouring roof, a vehicle, the ground, or an " +
          'outline that needs correcting). They are listed for review and are not part of the estimate.',
        { colour: GREY, size: 9 },
      );
      findingsTable(w, outside, data.crops);
    }

    w.heading('Suggested estimate', 90);
    estimateTable(w, data.estimate, numbered);

    pageNumbers(doc, (page, pages) => `${data.site.name} · inspection ${data.inspection.id} · page ${page} of ${pages}`);
    doc.end();
  } catch (err) {
    doc.end();
    return Promise.reject(err);
  }
  return done;
}
function titleBlock(w: Writer, data: InspectionReportData): void {
  w.text(data.tenantName.toUpperCase(), w.left, w.y, { size: 9, colour: GREY, width: w.contentWidth });
  w.y += 14;
  w.text('Roof inspection report', w.left, w.y, { font: BOLD, size: 20 });
  w.y += 26;
  w.text(data.site.name, w.left, w.y, { font: BOLD, size: 13, width: w.contentWidth });
  w.y += 17;
  if (data.site.address) {
    w.text(data.site.address, w.left, w.y, { size: 10, colour: '#444444', width: w.contentWidth });
    w.y += 14;
  }
  w.y += 6;

  const rows: Array<[string, string]> = [];
  if (data.customer) rows.push(['Customer', data.customer.name]);
  if (data.job) rows.push(['Job', data.job.title ? `${data.job.title} (${data.job.id})` : data.job.id]);
  rows.push(['Inspection', data.inspection.id]);
  rows.push(['Inspected', formatDateTime(data.inspection.createdAt)]);
  const flight = data.inspection.flight;
  if (flight && (flight.from !== null || flight.to !== null)) {
    rows.push(['Flight', formatFlight(flight.from, flight.to)]);
  }
  rows.push(['Images analysed', String(data.inspection.imagesUsed)]);
  rows.push(['Model', data.inspection.model ?? 'unknown']);
  const area = roofAreaM2(data.site.roof);
  if (area !== null) rows.push(['Roof area', `${formatArea(area)} m²`]);
  if (data.site.roof) rows.push(['Eaves height', `${data.site.roof.heightM} m`]);
  rows.push(['Report generated', formatDateTime(data.generatedAt)]);

  // Two columns of key/value pairs.
  const colW = w.contentWidth / 2;
  const half = Math.ceil(rows.length / 2);
  for (let i = 0; i < half; i++) {
    for (const [col, row] of [rows[i], rows[i + half]].entries()) {
      if (!row) continue;
      const x = w.left + col * colW;
      w.text(row[0], x, w.y, { size: 9, colour: GREY, width: 85 });
      w.text(row[1], x + 88, w.y, { size: 9, width: colW - 94 });
    }
    w.y += 13;
  }
  w.y += 6;
}

function note(w: Writer, text: string): void {
  const doc = w.doc;
  doc.font(FONT).fontSize(9);
  const s = pdfText(text);
  const h = doc.heightOfString(s, { width: w.contentWidth - 16 }) + 10;
  w.ensure(h);
  doc.rect(w.left, w.y, w.contentWidth, h).fill('#fff8e1');
  doc.rect(w.left, w.y, 3, h).fill('#f9a825');
  doc.fillColor('#333333').text(s, w.left + 10, w.y + 5, { width: w.contentWidth - 16 });
  w.y += h + 4;
}

function drawPlan(w: Writer, plan: RoofPlan): void {
  const doc = w.doc;
  w.ensure(plan.height + 20);
  const x0 = w.left;
  const y0 = w.y;
  const at = ([x, y]: readonly [number, number]): number[] => [x0 + x, y0 + y];

  doc.rect(x0, y0, plan.width, plan.height).lineWidth(0.5).fillAndStroke('#fafafa', '#cccccc');
  doc.save();
  doc.rect(x0, y0, plan.width, plan.height).clip();
  if (plan.roof) doc.polygon(...plan.roof.map(at)).lineWidth(1.2).fillAndStroke('#e8e4dc', '#555555');
  if (plan.track) {
    const [first, ...rest] = plan.track.map(at);
    doc.moveTo(first![0]!, first![1]!);
    for (const p of rest) doc.lineTo(p[0]!, p[1]!);
    doc.lineWidth(0.8).dash(4, { space: 3 }).strokeColor('#6a1b9a').strokeOpacity(0.7).stroke();
    doc.undash().strokeOpacity(1);
  }
  for (const f of plan.findings) {
    const c = SEVERITY_COLOUR[f.finding.severity];
    if (f.finding.outsideRoof) doc.dash(3, { space: 2 });
    doc.polygon(...f.footprint.map(at)).lineWidth(0.8).fillOpacity(0.25).fillAndStroke(c, c);
    doc.fillOpacity(1).undash();
  }
  for (const f of plan.findings) {
    const c = SEVERITY_COLOUR[f.finding.severity];
    const [x, y] = at(f.at) as [number, number];
    const outside = f.finding.outsideRoof;
    if (outside) doc.dash(2, { space: 1.5 });
    doc.circle(x, y, 7).lineWidth(1.5).fillAndStroke(outside ? '#ffffff' : c, c);
    doc.undash();
    // Markers near the plan's lower edge must not push pdfkit's text flow onto a new page: text() is only called
    // for markers inside the box, which ensure() above guaranteed is on this page.
    if (y > y0 - 7 && y < y0 + plan.height) {
      w.text(String(f.n), x - 10, y - 3.2, { font: BOLD, size: 7, colour: outside ? c : '#ffffff', width: 20, align: 'center' });
    }
  }
  doc.restore();

  // Scale bar, bottom left.
  const sb = plan.scaleBar;
  const sx = x0 + 12;
  const sy = y0 + plan.height - 14;
  doc.rect(sx, sy, sb.lengthPx, 4).fill('#333333');
  w.text(scaleLabel(sb.lengthM), sx, sy - 11, { size: 8, colour: '#333333' });
  // North arrow, top right: the plan is drawn north up.
  const nx = x0 + plan.width - 20;
  doc.polygon([nx, y0 + 10], [nx - 6, y0 + 28], [nx, y0 + 24], [nx + 6, y0 + 28]).fill('#333333');
  w.text('N', nx - 10, y0 + 31, { font: BOLD, size: 9, colour: '#333333', width: 20, align: 'center' });

  w.y = y0 + plan.height + 6;
  // Legend.
  let lx = w.left;
  for (const s of SEVERITIES) {
    doc.circle(lx + 4, w.y + 4.5, 4).fill(SEVERITY_COLOUR[s]);
    w.text(severityLabel(s), lx + 11, w.y + 1, { size: 8 });
    lx += 60;
  }
  if (plan.findings.some((f) => f.finding.outsideRoof)) {
    doc.circle(lx + 4, w.y + 4.5, 3.5).lineWidth(1).dash(1.5, { space: 1 }).stroke('#555555');
    doc.undash();
    w.text('Outside the roof outline', lx + 11, w.y + 1, { size: 8 });
    lx += 115;
  }
  if (plan.track) {
    doc.moveTo(lx, w.y + 4.5).lineTo(lx + 14, w.y + 4.5).lineWidth(1).dash(3, { space: 2 }).stroke('#6a1b9a');
    doc.undash();
    w.text('Drone track', lx + 18, w.y + 1, { size: 8 });
  }
  w.y += 14;
}
function countsTable(w: Writer, c: FindingCounts, caption: string): void {
  if (c.totals.total === 0) {
    w.paragraph(`${caption}: no findings.`, { colour: GREY });
    return;
  }
  const cols = columns(w, [
    ['Class', 4],
    ...SEVERITIES.map((s): [string, number, 'right'] => [severityLabel(s), 1.2, 'right']),
    ['Total', 1.2, 'right'],
  ]);
  const rowH = 14;
  w.ensure(14 + 16 + rowH * Math.min(c.rows.length + 1, 4));
  w.text(caption, w.left, w.y, { font: BOLD, size: 9 });
  w.y += 13;
  tableHeader(w, cols);
  const rows = c.rows.map((r) => [classLabel(r.className), ...SEVERITIES.map((s) => String(r[s])), String(r.total)]);
  rows.push(['All classes', ...SEVERITIES.map((s) => String(c.totals[s])), String(c.totals.total)]);
  rows.forEach((cells, i) => {
    const last = i === rows.length - 1;
    if (w.ensure(rowH)) tableHeader(w, cols);
    if (last) rule(w, '#999999', 1);
    let x = w.left;
    cells.forEach((cell, j) => {
      const col = cols[j]!;
      w.text(cell, x + 3, w.y + 3, { font: last ? BOLD : FONT, size: 9, width: col.width - 6, align: col.align ?? 'left' });
      x += col.width;
    });
    w.y += rowH;
    if (!last) rule(w);
  });
  w.y += 8;
}

function findingsTable(w: Writer, list: readonly NumberedFinding[], crops: ReadonlyMap<string, Buffer>): void {
  const cols = columns(w, [
    ['#', 0.5, 'right'],
    ['Image', 1.3],
    ['Class', 2.2],
    ['Severity', 1.3],
    ['Conf.', 1, 'right'],
    ['Area m²', 1.1, 'right'],
    ['Position (lat, lon)', 3.2],
    ['Views', 0.8, 'right'],
  ]);
  const rowH = THUMB + 4;
  w.ensure(16 + rowH);
  tableHeader(w, cols);
  const xs = cols.map((_, i) => w.left + cols.slice(0, i).reduce((sum, c) => sum + c.width, 0));
  for (const { n, finding: f } of list) {
    if (w.ensure(rowH)) tableHeader(w, cols);
    const doc = w.doc;
    const ty = w.y + rowH / 2 - 4;
    const cell = (s: string, i: number, o: { colour?: string; font?: string; indent?: number } = {}): void => {
      const col = cols[i]!;
      const indent = o.indent ?? 0;
      w.text(s, xs[i]! + 3 + indent, ty, { size: 9, width: col.width - 6 - indent, align: col.align ?? 'left', ...o });
    };
    cell(String(n), 0, { font: BOLD });
    const crop = crops.get(f.id);
    let drawn = false;
    if (crop) {
      try {
        doc.image(crop, xs[1]! + 3, w.y + 2, { width: THUMB, height: THUMB });
        drawn = true;
      } catch {
        // A corrupt crop must not sink the whole report: the row just has no picture.
      }
    }
    if (!drawn) cell('-', 1, { colour: GREY });
    cell(classLabel(f.className), 2);
    doc.circle(xs[3]! + 7, ty + 3.5, 3.5).fill(SEVERITY_COLOUR[f.severity]);
    cell(severityLabel(f.severity), 3, { indent: 10 });
    cell(formatPercent(f.confidence), 4);
    cell(formatArea(f.areaM2), 5);
    cell(formatPosition(f.lat, f.lon), 6);
    cell(String(f.views.length), 7);
    w.y += rowH;
    rule(w);
  }
  w.y += 8;
}

function estimateTable(w: Writer, e: Estimate, numbered: readonly NumberedFinding[]): void {
  const doc = w.doc;
  const numbers = new Map(numbered.map(({ n, finding }) => [finding.id, n]));
  if (e.lines.length === 0) {
    w.paragraph('No priced findings on the roof: nothing to estimate.', { colour: GREY });
  } else {
    const cols = columns(w, [
      ['Item', 5.5],
      ['Qty', 0.9, 'right'],
      ['Unit', 1],
      ['Unit price', 1.6, 'right'],
      ['Amount', 1.6, 'right'],
    ]);
    w.ensure(16 + 16 * 2);
    tableHeader(w, cols);
    for (const l of e.lines) {
      // Descriptions may wrap (tenants write long ones); the row grows to fit.
      doc.font(FONT).fontSize(9);
      const desc = pdfText(l.description);
      const refs = pdfText(findingRefs(l.findingIds, numbers));
      const descW = cols[0]!.width - 6;
      const descH = doc.heightOfString(desc, { width: descW });
      const h = Math.max(16, descH + (refs ? 10 : 0) + 6);
      if (w.ensure(h)) tableHeader(w, cols);
      doc.font(FONT).fontSize(9).fillColor('#222222').text(desc, w.left + 3, w.y + 3, { width: descW });
      if (refs) w.text(refs, w.left + 3, w.y + 3 + descH, { size: 7.5, colour: GREY, width: descW });
      let x = w.left + cols[0]!.width;
      const cells = [formatQuantity(l.quantity), l.unit, formatMoney(l.unitPrice, e.currency), formatMoney(l.amount, e.currency)];
      cells.forEach((s, i) => {
        const col = cols[i + 1]!;
        w.text(s, x + 3, w.y + 3, { size: 9, width: col.width - 6, align: col.align ?? 'left' });
        x += col.width;
      });
      w.y += h;
      rule(w);
    }
    w.ensure(20);
    rule(w, '#999999', 1);
    const amountCol = cols[4]!;
    w.text(`Total (${e.currency})`, w.left + 3, w.y + 4, { font: BOLD, size: 10 });
    w.text(formatMoney(e.total, e.currency), w.left + w.contentWidth - amountCol.width + 3, w.y + 4, {
      font: BOLD,
      size: 10,
      width: amountCol.width - 6,
      align: 'right',
    });
    w.y += 22;
  }
  if (e.unpriced.length > 0) {
    w.paragraph(
      `Not priced - no price table entry for: ${e.unpriced.map(classLabel).join(', ')}. These findings need to be priced by hand.`,
      { colour: '#8a4b00', size: 9 },
    );
  }
  w.paragraph('Suggested from the price table and the detected damage; severity adjusts the unit price. Not a quote.', {
    colour: GREY,
    size: 8,
  });
}
