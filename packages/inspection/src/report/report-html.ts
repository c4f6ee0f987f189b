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

/**
 * The inspection report as one self-contained, printable HTML page: inline CSS, the roof plan as inline SVG, the
 * crops as data: URLs — it can be mailed, archived or printed to PDF by a browser with nothing else to fetch.
 * Every string that comes from data goes through `esc` (text and attributes alike): site names and class names are
 * user- or model-supplied.
 */

const PLAN_W = 640;
const PLAN_H = 420;

export function renderReportHtml(data: InspectionReportData): string {
  const numbered = numberFindings(data.findings);
  const onRoof = numbered.filter((x) => !x.finding.outsideRoof);
  const outside = numbered.filter((x) => x.finding.outsideRoof);
  const counts = countFindings(data.findings);
  const plan = roofPlan(data, { width: PLAN_W, height: PLAN_H });
  const title = `Roof inspection report — ${data.site.name}`;

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<div class="tenant">${esc(data.tenantName)}</div>
<h1>Roof inspection report</h1>
<div class="site">${esc(data.site.name)}${data.site.address ? ` <span class="address">${esc(data.site.address)}</span>` : ''}</div>
${titleBlock(data)}
</header>
<p class="note">${esc(MACHINE_DETECTED_NOTE)}</p>

<section class="plan">
<h2>Roof plan</h2>
${plan ? planSvg(plan) : '<p class="empty">No roof outline or findings to draw.</p>'}
${plan ? legend(plan) : ''}
</section>

<section class="summary">
<h2>Summary</h2>
${countsTable(counts.onRoof, 'On the roof')}
${counts.outsideRoof.totals.total > 0 ? countsTable(counts.outsideRoof, 'Outside the roof outline (not priced)') : ''}
</section>

<section class="findings">
<h2>Findings on the roof</h2>
${onRoof.length > 0 ? findingsTable(onRoof, data.crops) : '<p class="empty">No damage detected on the roof.</p>'}
</section>

${outside.length > 0 ? `<section class="findings outside">
<h2>Outside the roof outline</h2>
<p>These detections lie outside the site's roof outline (a neighbouring roof, a vehicle, the ground, or an outline
that needs correcting). They are listed for review and are not part of the estimate.</p>
${findingsTable(outside, data.crops)}
</section>` : ''}

<section class="estimate">
<h2>Suggested estimate</h2>
${estimateTable(data.estimate, numbered)}
</section>

<footer>Generated ${esc(formatDateTime(data.generatedAt))} · inspection ${esc(data.inspection.id)}</footer>
</body>
</html>
`;
}

function titleBlock(data: InspectionReportData): string {
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
  return `<dl class="meta">${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>`;
}

function planSvg(plan: RoofPlan): string {
  const parts: string[] = [];
  parts.push(
    `<svg class="roof-plan" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${plan.width} ${plan.height}" ` +
      `width="${plan.width}" height="${plan.height}" role="img" aria-label="Roof plan with findings">`,
  );
  parts.push(`<defs><clipPath id="plan-clip"><rect x="0" y="0" width="${plan.width}" height="${plan.height}"/></clipPath></defs>`);
  parts.push(`<rect x="0" y="0" width="${plan.width}" height="${plan.height}" fill="#fafafa" stroke="#ccc"/>`);
  parts.push('<g clip-path="url(#plan-clip)">');
  if (plan.roof) parts.push(`<polygon class="roof" points="${pts(plan.roof)}" fill="#e8e4dc" stroke="#555" stroke-width="1.5"/>`);
  if (plan.track) {
    parts.push(`<polyline class="track" points="${pts(plan.track)}" fill="none" stroke="#6a1b9a" stroke-width="1" stroke-dasharray="4 3" opacity="0.7"/>`);
  }
  // Footprints first, markers on top, so no footprint hides a number.
  for (const f of plan.findings) {
    const c = SEVERITY_COLOUR[f.finding.severity];
    const dash = f.finding.outsideRoof ? ' stroke-dasharray="3 2"' : '';
    parts.push(`<polygon class="footprint" points="${pts(f.footprint)}" fill="${c}" fill-opacity="0.25" stroke="${c}" stroke-width="1"${dash}/>`);
  }
  for (const f of plan.findings) {
    const c = SEVERITY_COLOUR[f.finding.severity];
    const [x, y] = f.at;
    const outside = f.finding.outsideRoof;
    parts.push(
      `<g class="marker${outside ? ' outside-roof' : ''}" data-finding-id="${esc(f.finding.id)}">` +
        `<title>${esc(`#${f.n} ${classLabel(f.finding.className)}, ${f.finding.severity}${outside ? ', outside the roof' : ''}`)}</title>` +
        `<circle cx="${n1(x)}" cy="${n1(y)}" r="9" fill="${outside ? '#fff' : c}" stroke="${c}" stroke-width="2"${outside ? ' stroke-dasharray="3 2"' : ''}/>` +
        `<text x="${n1(x)}" y="${n1(y + 3.5)}" text-anchor="middle" font-size="10" font-weight="bold" fill="${outside ? c : '#fff'}">${f.n}</text>` +
        '</g>',
    );
  }
  parts.push('</g>');
  // Scale bar, bottom left.
  const sb = plan.scaleBar;
  const sx = 16;
  const sy = plan.height - 18;
  parts.push(
    `<g class="scale-bar"><rect x="${sx}" y="${sy}" width="${n1(sb.lengthPx)}" height="5" fill="#333"/>` +
      `<text x="${sx}" y="${sy - 4}" font-size="11" fill="#333">${esc(scaleLabel(sb.lengthM))}</text></g>`,
  );
  // North arrow, top right: the plan is always drawn north up.
  const nx = plan.width - 24;
  parts.push(
    `<g class="north-arrow"><polygon points="${nx},14 ${nx - 7},34 ${nx},29 ${nx + 7},34" fill="#333"/>` +
      `<text x="${nx}" y="48" text-anchor="middle" font-size="12" font-weight="bold" fill="#333">N</text></g>`,
  );
  parts.push('</svg>');
  return parts.join('\n');
}

function legend(plan: RoofPlan): string {
  const items = SEVERITIES.map(
    (s) => `<span><i style="background:${SEVERITY_COLOUR[s]}"></i>${severityLabel(s)}</span>`,
  );
  if (plan.findings.some((f) => f.finding.outsideRoof)) items.push('<span><i class="dashed"></i>Outside the roof outline</span>');
  if (plan.track) items.push('<span><i class="track"></i>Drone track</span>');
  return `<div class="legend">${items.join('')}</div>`;
}

function countsTable(c: FindingCounts, caption: string): string {
  if (c.totals.total === 0) return `<p class="empty">${esc(caption)}: no findings.</p>`;
  const head = `<tr><th>Class</th>${SEVERITIES.map((s) => `<th class="num">${severityLabel(s)}</th>`).join('')}<th class="num">Total</th></tr>`;
  const rows = c.rows.map(
    (r) =>
      `<tr><td>${esc(classLabel(r.className))}</td>${SEVERITIES.map((s) => `<td class="num">${r[s]}</td>`).join('')}<td class="num">${r.total}</td></tr>`,
  );
  const total = `<tr class="total"><td>All classes</td>${SEVERITIES.map((s) => `<td class="num">${c.totals[s]}</td>`).join('')}<td class="num">${c.totals.total}</td></tr>`;
  return `<table class="counts"><caption>${esc(caption)}</caption><thead>${head}</thead><tbody>${rows.join('')}${total}</tbody></table>`;
}

function findingsTable(list: readonly NumberedFinding[], crops: ReadonlyMap<string, Buffer>): string {
  const head =
    '<tr><th class="num">#</th><th>Image</th><th>Class</th><th>Severity</th><th class="num">Confidence</th>' +
    '<th class="num">Area m²</th><th>Position (lat, lon)</th><th class="num">Views</th></tr>';
  const rows = list.map(({ n, finding: f }) => {
    const crop = crops.get(f.id);
    const img = crop
      ? `<img src="data:image/jpeg;base64,${crop.toString('base64')}" alt="${esc(`Finding ${n}: ${classLabel(f.className)}`)}">`
      : '<span class="no-crop">—</span>';
    return (
      `<tr data-finding-id="${esc(f.id)}"><td class="num">${n}</td><td class="crop">${img}</td>` +
      `<td>${esc(classLabel(f.className))}</td>` +
      `<td><span class="sev" style="background:${SEVERITY_COLOUR[f.severity]}">${severityLabel(f.severity)}</span></td>` +
      `<td class="num">${formatPercent(f.confidence)}</td><td class="num">${formatArea(f.areaM2)}</td>` +
      `<td>${esc(formatPosition(f.lat, f.lon))}</td><td class="num">${f.views.length}</td></tr>`
    );
  });
  return `<table class="finding-list"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>`;
}

function estimateTable(e: Estimate, numbered: readonly NumberedFinding[]): string {
  const numbers = new Map(numbered.map(({ n, finding }) => [finding.id, n]));
  const parts: string[] = [];
  if (e.lines.length === 0) {
    parts.push('<p class="empty">No priced findings on the roof: nothing to estimate.</p>');
  } else {
    const rows = e.lines.map(
      (l) =>
        `<tr><td>${esc(l.description)}${refsHtml(findingRefs(l.findingIds, numbers))}</td><td class="num">${esc(formatQuantity(l.quantity))}</td><td>${esc(l.unit)}</td>` +
        `<td class="num">${esc(formatMoney(l.unitPrice, e.currency))}</td><td class="num">${esc(formatMoney(l.amount, e.currency))}</td></tr>`,
    );
    parts.push(
      '<table class="estimate-lines"><thead><tr><th>Item</th><th class="num">Qty</th><th>Unit</th>' +
        '<th class="num">Unit price</th><th class="num">Amount</th></tr></thead>' +
        `<tbody>${rows.join('')}</tbody>` +
        `<tfoot><tr class="total"><td colspan="4">Total (${esc(e.currency)})</td><td class="num">${esc(formatMoney(e.total, e.currency))}</td></tr></tfoot></table>`,
    );
  }
  if (e.unpriced.length > 0) {
    parts.push(
      `<p class="unpriced">Not priced — no price table entry for: ${e.unpriced.map((c) => `<strong>${esc(classLabel(c))}</strong>`).join(', ')}. ` +
        'These findings need to be priced by hand.</p>',
    );
  }
  parts.push('<p class="small">Suggested from the price table and the detected damage; severity adjusts the unit price. Not a quote.</p>');
  return parts.join('\n');
}

function refsHtml(refs: string): string {
  return refs ? `<div class="refs">${esc(refs)}</div>` : '';
}

/** Escapes text for HTML element content and quoted attribute values alike. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]!);
}
const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function pts(ring: ReadonlyArray<readonly [number, number]>): string {
  return ring.map(([x, y]) => `${n1(x)},${n1(y)}`).join(' ');
}

function n1(v: number): string {
  return v.toFixed(1);
}

const CSS = `
@page { size: A4; margin: 14mm; }
* { box-sizing: border-box; }
body { font: 13px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #222; margin: 24px auto; max-width: 900px; padding: 0 16px; }
h1 { font-size: 24px; margin: 4px 0; }
h2 { font-size: 17px; margin: 24px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.tenant { color: #666; font-size: 12px; text-transform: uppercase; letter-spacing: .05em; }
.site { font-size: 16px; font-weight: 600; }
.address { font-weight: normal; color: #555; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 12px 0; }
dl.meta dt { color: #666; }
dl.meta dd { margin: 0; }
.note { background: #fff8e1; border-left: 4px solid #f9a825; padding: 8px 12px; }
.roof-plan { display: block; max-width: 100%; height: auto; border-radius: 4px; }
.legend { display: flex; gap: 16px; font-size: 12px; margin-top: 6px; }
.legend i { display: inline-block; width: 12px; height: 12px; border-radius: 50%; margin-right: 4px; vertical-align: -2px; }
.legend i.dashed { border: 2px dashed #555; background: #fff; }
.legend i.track { border-radius: 0; height: 0; border-top: 2px dashed #6a1b9a; width: 18px; vertical-align: 3px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
caption { text-align: left; font-weight: 600; margin-bottom: 4px; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 4px 6px; text-align: left; vertical-align: middle; }
th { background: #f3f3f3; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr { page-break-inside: avoid; break-inside: avoid; }
tr.total td { font-weight: 700; border-top: 2px solid #999; }
td.crop img { width: 96px; height: 96px; display: block; border-radius: 2px; }
.sev { color: #fff; border-radius: 3px; padding: 1px 6px; font-size: 12px; }
.outside h2 { color: #555; }
.refs { color: #666; font-size: 11px; }
.unpriced { color: #8a4b00; }
.empty, .small, footer { color: #666; }
.small { font-size: 11px; }
footer { margin-top: 32px; font-size: 11px; border-top: 1px solid #ddd; padding-top: 6px; }
@media print { body { margin: 0; max-width: none; } h2 { page-break-after: avoid; } section.plan { page-break-inside: avoid; } }
`;
