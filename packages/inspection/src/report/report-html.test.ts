import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_PRICE_TABLE, estimateFromFindings } from './estimate.js';
import { renderReportHtml } from './report-html.js';
import { finding, sampleFindings, sampleReport } from './test-fixtures.js';

/** Cells of the table rows whose first cell is `first`, tags stripped (a tiny reader for our own markup). */
function rowCells(html: string, first: string): string[][] {
  const rows = [...html.matchAll(/<tr[^>]*>(.*?)<\/tr>/gs)].map((m) =>
    [...m[1]!.matchAll(/<td[^>]*>(.*?)<\/td>/gs)].map((c) => c[1]!.replace(/<[^>]+>/g, '')),
  );
  return rows.filter((cells) => cells[0] === first);
}

function section(html: string, heading: string): string {
  const start = html.indexOf(`<h2>${heading}</h2>`);
  assert.ok(start >= 0, `no section ${heading}`);
  const end = html.indexOf('</section>', start);
  return html.slice(start, end);
}

test('the summary counts findings by class and severity, outside-roof ones apart', () => {
  const html = renderReportHtml(sampleReport());
  const summary = section(html, 'Summary');
  const [onRoof, outside] = summary.split('Outside the roof outline (not priced)');
  // Class | High | Medium | Low | Total
  assert.deepEqual(rowCells(onRoof!, 'Hail'), [['Hail', '1', '1', '0', '2']]);
  assert.deepEqual(rowCells(onRoof!, 'Missing shingle'), [['Missing shingle', '1', '1', '0', '2']]);
  assert.deepEqual(rowCells(onRoof!, 'Lifted shingle'), [['Lifted shingle', '0', '0', '1', '1']]);
  assert.deepEqual(rowCells(onRoof!, 'All classes'), [['All classes', '2', '2', '2', '6']]);
  assert.deepEqual(rowCells(outside!, 'Hail'), [['Hail', '1', '0', '0', '1']]);
});

test('the estimate table shows every line, the total and the unpriced classes', () => {
  const html = renderReportHtml(sampleReport());
  const est = section(html, 'Suggested estimate');
  assert.deepEqual(rowCells(est, 'Shingle replacement, hail-damaged areaFindings 1, 3'), [
    ['Shingle replacement, hail-damaged areaFindings 1, 3', '2', 'square', '$506.25', '$1,012.50'],
  ]);
  assert.deepEqual(rowCells(est, 'Inspection and mobilisation'), [['Inspection and mobilisation', '1', 'each', '$150.00', '$150.00']]);
  assert.deepEqual(rowCells(est, 'Total (USD)'), [['Total (USD)', '$1,695.00']]);
  assert.match(est, /Not priced.*<strong>Moss<\/strong>/s);
});

test('one plan marker per finding; the outside-roof one is drawn dashed and listed in its own section', () => {
  const data = sampleReport();
  const html = renderReportHtml(data);
  const markers = [...html.matchAll(/<g class="marker( outside-roof)?" data-finding-id="([^"]+)"/g)];
  assert.equal(markers.length, data.findings.length);
  assert.deepEqual(
    markers.filter((m) => m[1]).map((m) => m[2]),
    ['f-out-1'],
  );
  const onRoof = section(html, 'Findings on the roof');
  const outside = section(html, 'Outside the roof outline');
  assert.ok(!onRoof.includes('data-finding-id="f-out-1"'));
  assert.ok(outside.includes('data-finding-id="f-out-1"'));
  assert.equal([...onRoof.matchAll(/<tr data-finding-id=/g)].length, 6);
  // The estimate never refers to it: its number (7) is in no line's finding list.
  const refs = [...section(html, 'Suggested estimate').matchAll(/<div class="refs">([^<]*)<\/div>/g)].map((m) => m[1]);
  assert.deepEqual(refs, ['Findings 1, 3', 'Findings 2, 4', 'Finding 5']);
});

test('every string from the data is escaped: a site called <script> renders as text', () => {
  const evil = '<script>alert(1)</script>';
  const f = finding({ id: 'x"><img src=x onerror=alert(2)>', className: '<b>bold</b>' });
  const findings = [...sampleFindings(), f];
  const html = renderReportHtml(
    sampleReport({
      tenantName: `Tenant ${evil}`,
      site: { name: evil, address: '"><svg onload=alert(3)>', roof: null },
      customer: { name: `O'Brien & ${evil}` },
      job: { id: 'job-1', title: evil },
      findings,
      estimate: estimateFromFindings(findings, {
        ...DEFAULT_PRICE_TABLE,
        entries: [...DEFAULT_PRICE_TABLE.entries, { className: '<b>bold</b>', description: evil, per: 'finding', unitPrice: 1 }],
      }),
    }),
  );
  assert.ok(!html.includes('<script'), 'no script element');
  assert.ok(!html.includes('<b>bold'), 'class names escaped');
  assert.ok(!/<img src=x/i.test(html) && !html.includes('<svg onload'), 'attributes escaped');
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  assert.ok(html.includes('O&#39;Brien &amp; '));
  assert.ok(html.includes('data-finding-id="x&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"'));
  assert.equal(html.match(/<title>/g)!.length, 1 + findings.length); // the page title plus one tooltip per marker
});

test('the page is self-contained: crops are data: URLs and nothing is fetched', () => {
  const data = sampleReport();
  const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xd9]);
  data.crops.set('f-hail-2', jpeg);
  data.crops.set('f-out-1', jpeg);
  const html = renderReportHtml(data);
  assert.equal([...html.matchAll(/src="data:image\/jpeg;base64,\/9j\/2Q=="/g)].length, 2);
  assert.ok(!/(src|href)="(https?:)?\/\//.test(html));
  assert.ok(!html.includes('<link'));
  assert.match(html, /machine-learning model/);
  assert.match(html, /confirmed by a qualified inspector/);
});

test('an inspection with no findings and no roof still renders', () => {
  const html = renderReportHtml(sampleReport({ findings: [], site: { name: 'Empty', roof: null }, track: undefined }));
  assert.match(html, /No roof outline or findings to draw/);
  assert.match(html, /No damage detected on the roof/);
  assert.match(html, /nothing to estimate/);
  assert.ok(!html.includes('Outside the roof outline</h2>'));
});
