import { offsetLatLon, type Finding, type Severity, type SiteRoof } from '@fieldtrace/protocol';
import { DEFAULT_PRICE_TABLE, estimateFromFindings } from './estimate.js';
import type { InspectionReportData } from './report-data.js';

/** Test-only builders for the report tests: a 12 m × 8 m roof in Liverpool and findings placed on it in metres. */

export const ORIGIN = { lat: 53.41, lon: -2.98 };

/** [lon, lat] of a point `east`, `north` metres from ORIGIN. */
export function at(east: number, north: number): [number, number] {
  const [lat1] = offsetLatLon(ORIGIN.lat, ORIGIN.lon, 0, north);
  const [, lon] = offsetLatLon(lat1, ORIGIN.lon, 90, east);
  return [lon, lat1];
}

export const ROOF: SiteRoof = {
  outline: [at(0, 0), at(12, 0), at(12, 8), at(0, 8), at(0, 0)],
  heightM: 6,
};

export interface FindingSpec {
  id: string;
  className?: string;
  severity?: Severity;
  areaM2?: number;
  outsideRoof?: boolean;
  east?: number;
  north?: number;
  confidence?: number;
  views?: number;
}

/** A finding with a square footprint of `areaM2` centred at (east, north). */
export function finding(spec: FindingSpec): Finding {
  const area = spec.areaM2 ?? 1;
  const e = spec.east ?? 6;
  const n = spec.north ?? 4;
  const h = Math.sqrt(area) / 2;
  const [lon, lat] = at(e, n);
  return {
    id: spec.id,
    inspectionId: 'insp-1',
    jobId: 'job-1',
    siteId: 'site-1',
    className: spec.className ?? 'hail',
    severity: spec.severity ?? 'medium',
    confidence: spec.confidence ?? 0.8,
    lat,
    lon,
    footprint: [at(e - h, n - h), at(e + h, n - h), at(e + h, n + h), at(e - h, n + h), at(e - h, n - h)],
    areaM2: area,
    outsideRoof: spec.outsideRoof ?? false,
    views: Array.from({ length: spec.views ?? 2 }, (_, i) => ({
      imageId: `img-${i}`,
      box: { x1: 10, y1: 10, x2: 50, y2: 50 },
      confidence: 0.7,
    })),
  };
}

/** The findings used by the estimate, HTML and PDF tests (see estimate.test.ts for the worked-out money). */
export function sampleFindings(): Finding[] {
  return [
    finding({ id: 'f-hail-1', className: 'hail', severity: 'medium', areaM2: 5, east: 3, north: 2 }),
    finding({ id: 'f-hail-2', className: 'hail', severity: 'high', areaM2: 5, east: 8, north: 5, confidence: 0.93 }),
    finding({ id: 'f-miss-1', className: 'missing_shingle', severity: 'medium', areaM2: 0.3, east: 10, north: 2 }),
    finding({ id: 'f-miss-2', className: 'missing_shingle', severity: 'high', areaM2: 0.4, east: 2, north: 6 }),
    finding({ id: 'f-lift-1', className: 'lifted_shingle', severity: 'low', areaM2: 0.2, east: 6, north: 7 }),
    finding({ id: 'f-moss-1', className: 'moss', severity: 'low', areaM2: 2, east: 5, north: 4 }),
    finding({ id: 'f-out-1', className: 'hail', severity: 'high', areaM2: 50, east: 16, north: 3, outsideRoof: true }),
  ];
}

export function sampleReport(overrides: Partial<InspectionReportData> = {}): InspectionReportData {
  const findings = overrides.findings ?? sampleFindings();
  return {
    generatedAt: new Date('2025-06-01T12:00:00Z'),
    tenantName: 'Acme Roofing & Sons',
    inspection: {
      id: 'insp-1',
      createdAt: '2025-06-01T10:00:00Z',
      model: 'roof-damage-demo@1',
      imagesUsed: 42,
      flight: { from: Date.parse('2025-06-01T09:30:00Z'), to: Date.parse('2025-06-01T09:45:00Z') },
    },
    job: { id: 'job-1', title: 'Storm damage survey' },
    customer: { name: 'J. Smith' },
    site: { name: '14 Elm Street', address: '14 Elm Street, Liverpool L1 1AA', roof: ROOF },
    findings,
    estimate: estimateFromFindings(findings, DEFAULT_PRICE_TABLE),
    crops: new Map(),
    track: [at(-20, -10), at(-5, -5), at(6, 4), at(20, 12), at(200, 200)],
    ...overrides,
  };
}
