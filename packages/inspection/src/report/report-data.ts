import { metresPerDegree, type Estimate, type Finding, type Severity, type SiteRoof } from '@fieldtrace/protocol';

/**
 * What an inspection report shows, gathered by the caller (the API route reads the store; a test builds it by hand),
 * and the layout arithmetic both renderers share — numbering, counts, the roof plan's projection — so the HTML and the
 * PDF of one inspection agree finding for finding.
 */
export interface InspectionReportData {
  generatedAt: Date;
  tenantName: string;
  inspection: {
    id: string;
    createdAt: string;
    model: string | null;
    imagesUsed: number;
    /** Flight window, Unix ms. */
    flight?: { from: number | null; to: number | null };
  };
  job: { id: string; title?: string | null } | null;
  customer?: { name: string } | null;
  site: { name: string; address?: string | null; roof: SiteRoof | null };
  findings: Finding[];
  estimate: Estimate;
  /** Annotated JPEG crop per finding id (see crops.ts); findings without one are shown without a picture. */
  crops: Map<string, Buffer>;
  /** Drone path, [lon, lat]. */
  track?: Array<[number, number]>;
}

export const SEVERITIES: readonly Severity[] = ['high', 'medium', 'low'];

/** Marker colours, readable on white and on print; the same in both renderers. */
export const SEVERITY_COLOUR: Record<Severity, string> = { high: '#c62828', medium: '#ef6c00', low: '#1565c0' };

export const MACHINE_DETECTED_NOTE =
  'These findings were detected automatically from drone imagery by a machine-learning model. They are indications, ' +
  'not a diagnosis: every finding and the suggested estimate must be confirmed by a qualified inspector before work ' +
  'is quoted or carried out.';

export interface NumberedFinding {
  /** 1-based number shown on the plan marker, in the tables and on the crop. */
  n: number;
  finding: Finding;
}

const SEVERITY_RANK: Record<Severity, number> = { high: 0, medium: 1, low: 2 };

/**
 * Report order: on-roof findings first, then those outside the roof; within each, most severe first, then most
 * confident, then by id so two renders of the same data number the findings identically.
 */
export function numberFindings(findings: readonly Finding[]): NumberedFinding[] {
  const sorted = [...findings].sort(
    (a, b) =>
      Number(a.outsideRoof) - Number(b.outsideRoof) ||
      SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
      b.confidence - a.confidence ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  return sorted.map((finding, i) => ({ n: i + 1, finding }));
}

export interface CountRow {
  className: string;
  high: number;
  medium: number;
  low: number;
  total: number;
}

export interface FindingCounts {
  /** One row per class, sorted by total descending then name. */
  rows: CountRow[];
  totals: Omit<CountRow, 'className'>;
}

/** Counts by class × severity; on-roof and outside-roof findings are counted apart (the latter are not priced). */
export function countFindings(findings: readonly Finding[]): { onRoof: FindingCounts; outsideRoof: FindingCounts } {
  return {
    onRoof: countTable(findings.filter((f) => !f.outsideRoof)),
    outsideRoof: countTable(findings.filter((f) => f.outsideRoof)),
  };
}

function countTable(findings: readonly Finding[]): FindingCounts {
  const byClass = new Map<string, CountRow>();
  const totals = { high: 0, medium: 0, low: 0, total: 0 };
  for (const f of findings) {
    let row = byClass.get(f.className);
    if (!row) byClass.set(f.className, (row = { className: f.className, high: 0, medium: 0, low: 0, total: 0 }));
    row[f.severity]++;
    row.total++;
    totals[f.severity]++;
    totals.total++;
  }
  const rows = [...byClass.values()].sort(
    (a, b) => b.total - a.total || (a.className < b.className ? -1 : a.className > b.className ? 1 : 0),
  );
  return { rows, totals };
}

/** Plan geometry in output units (SVG px or PDF pt), y down, north up. */
export interface RoofPlan {
  width: number;
  height: number;
  /** Output units per metre. */
  scale: number;
  /** [lon, lat] → [x, y]. */
  project(lon: number, lat: number): [number, number];
  roof: Array<[number, number]> | null;
  findings: Array<{ n: number; finding: Finding; footprint: Array<[number, number]>; at: [number, number] }>;
  /** Projected but not clipped: it may run outside the box, so renderers clip to [0, width] × [0, height]. */
  track: Array<[number, number]> | null;
  scaleBar: { lengthM: number; lengthPx: number };
}

export interface PlanOptions {
  width: number;
  height: number;
  /** Empty border inside the box, output units. */
  padding?: number;
}

/**
 * A local equirectangular projection (metres east/north of the extent's centre; exact to well under a centimetre
 * across a house) fitted into `width × height`, north up.
 *
 * The fit covers the roof and the findings. The drone track widens it only up to half the core's size (at least 10 m)
 * each side: a track that starts at a van down the street would otherwise shrink the roof to a dot; the rest of the
 * track is clipped by the renderer. Returns null when there is nothing to draw (no roof, no findings).
 */
export function roofPlan(data: Pick<InspectionReportData, 'site' | 'findings' | 'track'>, opts: PlanOptions): RoofPlan | null {
  const numbered = numberFindings(data.findings);
  const roof = data.site.roof?.outline ?? null;
  const core: Array<readonly [number, number]> = [];
  if (roof) core.push(...roof);
  for (const { finding } of numbered) {
    core.push(...finding.footprint);
    core.push([finding.lon, finding.lat]);
  }
  if (core.length === 0) return null;

  let [minLon, minLat, maxLon, maxLat] = bounds(core);
  const lat0 = (minLat + maxLat) / 2;
  const m = metresPerDegree(lat0);
  const track = data.track && data.track.length >= 2 ? data.track : null;
  if (track) {
    const growLon = Math.max(10 / m.lon, (maxLon - minLon) / 2);
    const growLat = Math.max(10 / m.lat, (maxLat - minLat) / 2);
    const [tMinLon, tMinLat, tMaxLon, tMaxLat] = bounds(track);
    minLon = Math.min(minLon, Math.max(tMinLon, minLon - growLon));
    maxLon = Math.max(maxLon, Math.min(tMaxLon, maxLon + growLon));
    minLat = Math.min(minLat, Math.max(tMinLat, minLat - growLat));
    maxLat = Math.max(maxLat, Math.min(tMaxLat, maxLat + growLat));
  }
  const lon0 = (minLon + maxLon) / 2;
  const lat0c = (minLat + maxLat) / 2;
  // A single point (one finding, no roof) still gets a 10 m wide view rather than an infinite zoom.
  const spanE = Math.max((maxLon - minLon) * m.lon, 10);
  const spanN = Math.max((maxLat - minLat) * m.lat, 10);
  const pad = opts.padding ?? Math.min(opts.width, opts.height) * 0.06;
  const scale = Math.min((opts.width - 2 * pad) / spanE, (opts.height - 2 * pad) / spanN);
  const cx = opts.width / 2;
  const cy = opts.height / 2;
  const project = (lon: number, lat: number): [number, number] => [
    cx + (lon - lon0) * m.lon * scale,
    cy - (lat - lat0c) * m.lat * scale,
  ];
  const projectRing = (ring: ReadonlyArray<readonly [number, number]>): Array<[number, number]> =>
    ring.map(([lon, lat]) => project(lon, lat));

  return {
    width: opts.width,
    height: opts.height,
    scale,
    project,
    roof: roof ? projectRing(roof) : null,
    findings: numbered.map(({ n, finding }) => ({
      n,
      finding,
      footprint: projectRing(finding.footprint),
      at: project(finding.lon, finding.lat),
    })),
    track: track ? projectRing(track) : null,
    scaleBar: scaleBarFor(scale, opts.width * 0.25),
  };
}

/** The longest 1-2-5 × 10ⁿ metre length that fits in `maxPx`. */
export function scaleBarFor(unitsPerMetre: number, maxPx: number): { lengthM: number; lengthPx: number } {
  const maxM = maxPx / unitsPerMetre;
  const decade = Math.pow(10, Math.floor(Math.log10(maxM)));
  let best = decade;
  for (const step of [1, 2, 5, 10]) if (step * decade <= maxM) best = step * decade;
  // toPrecision: no 0.30000000000000004-style lengths in the label.
  const lengthM = Number(best.toPrecision(6));
  return { lengthM, lengthPx: lengthM * unitsPerMetre };
}

function bounds(points: ReadonlyArray<readonly [number, number]>): [number, number, number, number] {
  let minLon = Infinity;
  let minLat = Infinity;
  let maxLon = -Infinity;
  let maxLat = -Infinity;
  for (const [lon, lat] of points) {
    if (lon < minLon) minLon = lon;
    if (lon > maxLon) maxLon = lon;
    if (lat < minLat) minLat = lat;
    if (lat > maxLat) maxLat = lat;
  }
  return [minLon, minLat, maxLon, maxLat];
}

/** Plan area of a [lon, lat] ring in m² (shoelace on the local flat projection). */
export function ringAreaM2(ring: ReadonlyArray<readonly [number, number]>): number {
  if (ring.length < 3) return 0;
  const lat0 = ring.reduce((s, p) => s + p[1], 0) / ring.length;
  const lon0 = ring[0]![0];
  const m = metresPerDegree(lat0);
  let twice = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const a = ring[j]!;
    const b = ring[i]!;
    twice += (a[0] - lon0) * m.lon * (b[1] - lat0) * m.lat - (b[0] - lon0) * m.lon * (a[1] - lat0) * m.lat;
  }
  return Math.abs(twice) / 2;
}

/** The roof's billed area: the site's figure when set, else the outline's plan area. */
export function roofAreaM2(roof: SiteRoof | null): number | null {
  if (!roof) return null;
  return roof.areaM2 ?? ringAreaM2(roof.outline);
}

// ---- formatting shared by both renderers (fixed locale and UTC: a report must not change with the server's TZ) ----

export function formatMoney(amount: number, currency: string): string {
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(amount);
  } catch {
    // An ISO code Intl does not know still prints sensibly.
    return `${amount.toFixed(2)} ${currency}`;
  }
}

export function formatDateTime(d: Date | string | number | null | undefined): string {
  if (d === null || d === undefined) return '—';
  const date = d instanceof Date ? d : new Date(d);
  if (Number.isNaN(date.getTime())) return String(d);
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A flight window; one day is written once: `2025-06-01 09:30–09:45 UTC`. */
export function formatFlight(from: number | null, to: number | null): string {
  if (from !== null && to !== null) {
    const a = formatDateTime(from);
    const b = formatDateTime(to);
    if (a.slice(0, 10) === b.slice(0, 10) && a.endsWith(' UTC')) return `${a.slice(0, 16)}–${b.slice(11)}`;
    return `${a} – ${b}`;
  }
  return `${formatDateTime(from)} – ${formatDateTime(to)}`;
}

/**
 * Report numbers of the findings behind an estimate line, runs collapsed (`1–4, 7`), so the customer can find them on
 * the plan. Empty for fixed lines.
 */
export function findingRefs(findingIds: readonly string[], numbers: ReadonlyMap<string, number>): string {
  const ns = findingIds.map((id) => numbers.get(id)).filter((n): n is number => n !== undefined).sort((a, b) => a - b);
  if (ns.length === 0) return '';
  const parts: string[] = [];
  for (let i = 0; i < ns.length; ) {
    let j = i;
    while (j + 1 < ns.length && ns[j + 1] === ns[j]! + 1) j++;
    parts.push(j > i + 1 ? `${ns[i]}–${ns[j]}` : j === i + 1 ? `${ns[i]}, ${ns[j]}` : `${ns[i]}`);
    i = j + 1;
  }
  return `${ns.length === 1 ? 'Finding' : 'Findings'} ${parts.join(', ')}`;
}

export function formatQuantity(q: number): string {
  return Number.isInteger(q) ? String(q) : q.toFixed(2);
}

export function formatArea(m2: number): string {
  return m2 < 10 ? m2.toFixed(2) : m2.toFixed(1);
}

export function formatPercent(p: number): string {
  return `${Math.round(p * 100)}%`;
}

export function formatPosition(lat: number, lon: number): string {
  return `${lat.toFixed(6)}, ${lon.toFixed(6)}`;
}

/** `missing_shingle` → `Missing shingle`: model class names are identifiers, the report is for people. */
export function classLabel(className: string): string {
  const s = className.replace(/[_-]+/g, ' ').trim();
  return s.length === 0 ? className : s[0]!.toUpperCase() + s.slice(1);
}

export function severityLabel(s: Severity): string {
  return s[0]!.toUpperCase() + s.slice(1);
}

export function scaleLabel(lengthM: number): string {
  return lengthM >= 1000 ? `${lengthM / 1000} km` : lengthM >= 1 ? `${lengthM} m` : `${Math.round(lengthM * 100)} cm`;
}
