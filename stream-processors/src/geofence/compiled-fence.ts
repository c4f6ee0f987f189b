import { haversineM, metresPerDegree, pointInPolygon, type GeofenceShape, type LonLat } from '@fieldtrace/protocol';
import { nearestEdgeM } from '../geometry/edge-distance.js';

/** A fence as the processors receive it from the `geofences` table. */
export interface FenceDef {
  id: string;
  siteId: string | null;
  shape: GeofenceShape;
}

type Rings = ReadonlyArray<ReadonlyArray<LonLat>>;

// Bounding boxes are computed with a flat-earth scale while circles are tested with haversine; this slack keeps
// the box a superset of the circle (the two differ by far less than 0.5% at the 100 km maximum radius).
const BOX_SLACK = 1.005;
const BOX_SLACK_M = 1;

/**
 * One fence prepared for the hot path. Every instance has the same fields whatever its shape (stable hidden class),
 * and an upsert of the same id updates the instance in place, so per-device state can hold references to it.
 */
export class CompiledFence {
  readonly id: string;
  siteId: string | null = null;
  shape: GeofenceShape;
  isCircle = true;
  centerLat = 0;
  centerLon = 0;
  radiusM = 0;
  rings: Rings = [];
  /** Bounding box of the exact shape, degrees. */
  minLat = 0;
  maxLat = 0;
  minLon = 0;
  maxLon = 0;
  /** Grid cells the fence (grown by the largest hysteresis margin) is listed in; see FenceIndex. */
  cellKeys: number[] = [];
  /** Too big for the grid: checked for every fix of its tenant instead. */
  large = false;
  /** Step stamp of the last time this fence was a candidate; see stepGeofence. */
  mark = 0;
  /** False once removed from its index; devices still holding it drop it without an exit event. */
  live = true;

  constructor(def: FenceDef) {
    this.id = def.id;
    this.shape = def.shape;
    this.redefine(def);
  }

  redefine(def: FenceDef): void {
    this.siteId = def.siteId;
    this.shape = def.shape;
    const shape = def.shape;
    if (shape.type === 'circle') {
      this.isCircle = true;
      this.centerLon = shape.center[0];
      this.centerLat = shape.center[1];
      this.radiusM = shape.radiusM;
      this.rings = [];
      const reach = shape.radiusM * BOX_SLACK + BOX_SLACK_M;
      const m = metresPerDegree(Math.min(89.9, Math.abs(this.centerLat) + reach / metresPerDegree(0).lat));
      this.minLat = this.centerLat - reach / m.lat;
      this.maxLat = this.centerLat + reach / m.lat;
      this.minLon = this.centerLon - reach / m.lon;
      this.maxLon = this.centerLon + reach / m.lon;
    } else {
      this.isCircle = false;
      this.rings = shape.coordinates;
      this.radiusM = 0;
      let minLat = Infinity;
      let maxLat = -Infinity;
      let minLon = Infinity;
      let maxLon = -Infinity;
      // Holes lie inside the outline, so the outline alone bounds the polygon.
      for (const [lon, lat] of shape.coordinates[0] ?? []) {
        if (lat < minLat) minLat = lat;
        if (lat > maxLat) maxLat = lat;
        if (lon < minLon) minLon = lon;
        if (lon > maxLon) maxLon = lon;
      }
      this.minLat = minLat;
      this.maxLat = maxLat;
      this.minLon = minLon;
      this.maxLon = maxLon;
      this.centerLat = (minLat + maxLat) / 2;
      this.centerLon = (minLon + maxLon) / 2;
    }
  }

  inBox(lat: number, lon: number): boolean {
    return lat >= this.minLat && lat <= this.maxLat && lon >= this.minLon && lon <= this.maxLon;
  }

  /** The exact test with no margin: what a brute-force scan would say. */
  contains(lat: number, lon: number): boolean {
    if (!this.inBox(lat, lon)) return false;
    if (this.isCircle) return haversineM(lat, lon, this.centerLat, this.centerLon) <= this.radiusM;
    return pointInPolygon(lon, lat, this.rings);
  }

  /** Inside the fence shrunk by `marginM`: a fix far enough inside that jitter of that size cannot be the cause. */
  containsShrunk(lat: number, lon: number, marginM: number): boolean {
    if (!this.inBox(lat, lon)) return false;
    // At most half the radius: a small fence (a 5 m loading bay) must still be enterable by a fix whose accuracy
    // is worse than its radius.
    if (this.isCircle) return haversineM(lat, lon, this.centerLat, this.centerLon) <= this.radiusM - Math.min(marginM, this.radiusM / 2);
    if (!pointInPolygon(lon, lat, this.rings)) return false;
    return marginM <= 0 || nearestEdgeM(lat, lon, this.rings, marginM) >= marginM;
  }

  /** Outside the fence grown by `marginM`. Callers have already ruled out points beyond the grown bounding box. */
  excludesGrown(lat: number, lon: number, marginM: number): boolean {
    if (this.isCircle) return haversineM(lat, lon, this.centerLat, this.centerLon) > this.radiusM + marginM;
    if (this.inBox(lat, lon) && pointInPolygon(lon, lat, this.rings)) return false;
    return marginM <= 0 || nearestEdgeM(lat, lon, this.rings, marginM) > marginM;
  }
}
