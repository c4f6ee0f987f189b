import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { DEFAULT_PRICE_TABLE, estimateFromFindings } from './estimate.js';
import { pdfText } from './pdf-layout.js';
import { renderReportPdf } from './report-pdf.js';
import { finding, sampleReport } from './test-fixtures.js';

/** Pages in the file: page objects, not the /Pages tree node. */
function pageCount(pdf: Buffer): number {
  return [...pdf.toString('latin1').matchAll(/\/Type \/Page\b(?!s)/g)].length;
}

/**
 * The text of an uncompressed pdfkit file, one string per text-showing operator: pdfkit writes standard-font text as
 * `[<hex> kern <hex> …] TJ` in WinAnsi, so joining the hex runs gives the string back.
 */
function texts(pdf: Buffer): string[] {
  return [...pdf.toString('latin1').matchAll(/\[([^\]]*)\] TJ/g)].map((m) =>
    [...m[1]!.matchAll(/<([0-9a-f]*)>/g)].map((h) => Buffer.from(h[1]!, 'hex').toString('latin1')).join(''),
  );
}

test('renders a PDF with the title, counts and the estimate total', async () => {
  const pdf = await renderReportPdf(sampleReport(), { compress: false });
  assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
  assert.ok(pdf.subarray(-6).toString('latin1').includes('%%EOF'));
  const t = texts(pdf);
  for (const s of ['Roof inspection report', '14 Elm Street', 'ACME ROOFING & SONS', 'Summary', 'All classes']) {
    assert.ok(t.includes(s), `missing text ${s}`);
  }
  assert.ok(t.includes('Shingle replacement, hail-damaged area'));
  assert.ok(t.includes('$1,012.50'));
  assert.ok(t.includes('Total (USD)'));
  assert.ok(t.includes('$1,695.00'));
  assert.ok(t.some((s) => s.includes('Moss')), 'unpriced class named');
  assert.ok(t.some((s) => s.includes('machine-learning model')), 'machine-detected note');
  assert.ok(t.includes('Outside the roof outline'));
});

test('60 findings flow onto more pages, with page numbers and repeated table headers', async () => {
  const few = await renderReportPdf(sampleReport(), { compress: false });
  const many = Array.from({ length: 60 }, (_, i) =>
    finding({
      id: `f-${String(i).padStart(2, '0')}`,
      className: ['hail', 'missing_shingle', 'lifted_shingle', 'flashing'][i % 4]!,
      severity: (['low', 'medium', 'high'] as const)[i % 3]!,
      areaM2: 0.5,
      east: 1 + (i % 10) * 1.1,
      north: 1 + Math.floor(i / 10) * 1.1,
    }),
  );
  const pdf = await renderReportPdf(
    sampleReport({ findings: many, estimate: estimateFromFindings(many, DEFAULT_PRICE_TABLE) }),
    { compress: false },
  );
  const pages = pageCount(pdf);
  assert.ok(pageCount(few) >= 1);
  // 60 rows of 50 pt are ~3000 pt of table: at least 4 A4 pages beyond the first.
  assert.ok(pages >= 5 && pages > pageCount(few), `pages = ${pages}`);
  const t = texts(pdf);
  assert.ok(t.some((s) => s.endsWith(`page ${pages} of ${pages}`)));
  // Every finding's row number is printed, and the header repeats on each page the table runs over.
  const headers = t.filter((s) => s === 'Position (lat, lon)').length;
  assert.ok(headers >= 3, `table headers = ${headers}`);
  for (let n = 1; n <= 60; n++) assert.ok(t.includes(String(n)), `row ${n}`);
});

test('embeds the crops as images', async () => {
  const crop = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } }).jpeg().toBuffer();
  const data = sampleReport();
  for (const f of data.findings) data.crops.set(f.id, crop);
  data.crops.set('f-lift-1', Buffer.from('not a jpeg')); // a broken crop costs its picture, not the report
  const pdf = await renderReportPdf(data, { compress: false });
  const s = pdf.toString('latin1');
  const images = [...s.matchAll(/\/Subtype \/Image/g)].length;
  assert.equal(images, data.findings.length - 1);
  assert.ok(s.includes('/Filter /DCTDecode'));
});

test('the same data renders the same bytes (CreationDate and file ID come from generatedAt)', async () => {
  const a = await renderReportPdf(sampleReport());
  const b = await renderReportPdf(sampleReport());
  assert.ok(a.equals(b));
  const c = await renderReportPdf(sampleReport({ generatedAt: new Date('2025-06-02T12:00:00Z') }));
  assert.ok(!a.equals(c));
});

test('text the standard fonts cannot show becomes "?"', async () => {
  assert.equal(pdfText('Müller – 5 m² € “ok”'), 'Müller – 5 m² € “ok”');
  assert.equal(pdfText('屋根 ✓\nnext'), '?? ? next');
  const pdf = await renderReportPdf(sampleReport({ site: { name: 'Dach 屋根', roof: null } }), { compress: false });
  assert.ok(texts(pdf).includes('Dach ??'));
});
