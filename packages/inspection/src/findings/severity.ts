import type { Severity } from '../types.js';

/** What the severity rule looks at: a finding as clustered. */
export interface SeverityInput {
  className: string;
  /** Convex-hull area of the member footprints, m². */
  areaM2: number;
  /** Distinct images the damage was seen in. */
  views: number;
  /** Combined confidence. */
  confidence: number;
}

/** Hail hits covering at least this much roof (m²) are a re-roof conversation. */
export const HAIL_HIGH_AREA_M2 = 1;
/** Below this a hail finding is a single bruise; the hull of a few views of one hit is typically 0.01–0.1 m². */
export const HAIL_MEDIUM_AREA_M2 = 0.1;
/** Seen from this many images, a hail mark is clear enough to show an adjuster. */
export const HAIL_MEDIUM_VIEWS = 3;
/** Classes this rule does not know rise to medium only when the model is this sure. */
export const UNKNOWN_MEDIUM_CONFIDENCE = 0.9;

/**
 * Severity by class and size — deliberately simple, so an adjuster can predict it:
 * - missing shingles (class name contains `missing`): **high** — the deck is open to the weather.
 * - lifted shingles (`lifted`): **medium** — the seal is broken but the roof still sheds water.
 * - hail (`hail`): **high** from 1 m² of footprint, **medium** from 0.1 m² or when seen in ≥ 3 images, else **low**.
 * - any other class: **medium** when the combined confidence is ≥ 0.9, else **low**; never high, since the rule cannot
 *   tell what the damage means.
 * Class names are matched case-insensitively on those words, so `hail_damage` or `Missing-Shingle` work too.
 */
export function severityOf(f: SeverityInput): Severity {
  const name = f.className.toLowerCase();
  if (name.includes('missing')) return 'high';
  if (name.includes('lifted')) return 'medium';
  if (name.includes('hail')) {
    if (f.areaM2 >= HAIL_HIGH_AREA_M2) return 'high';
    if (f.areaM2 >= HAIL_MEDIUM_AREA_M2 || f.views >= HAIL_MEDIUM_VIEWS) return 'medium';
    return 'low';
  }
  return f.confidence >= UNKNOWN_MEDIUM_CONFIDENCE ? 'medium' : 'low';
}
