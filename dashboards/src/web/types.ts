import type { LonLat, Position } from '@fieldtrace/protocol';

/** What the API serves, as the page uses it. Types only: nothing from the protocol package is loaded in the browser. */
export type {
  AlertChange, EtaUpdate, GeofenceEvent, InspectionUpdate, Job, JobStatus, JobStatusChange, LiveItem, LonLat, Plan, PlanMove, PlannedRoute, Position,
  Site, Vehicle,
} from '@fieldtrace/protocol';

/** `GET /v1/positions/latest` rows: a Position plus the vehicle its device is fitted to. */
export type LatestPosition = Position & { vehicleId: string | null };

/** `GET /v1/events` rows. */
export interface StoredEvent {
  id: string;
  kind: string;
  ts: number;
  deviceId: string | null;
  vehicleId: string | null;
  jobId: string | null;
  geofenceId: string | null;
  late: boolean;
  data: unknown;
}

/** `GET /v1/geofences.geojson`: circles are Points with a radius, corridors LineStrings with a width. */
export interface FenceFeature {
  type: 'Feature';
  id: string;
  geometry:
    | { type: 'Point'; coordinates: LonLat }
    | { type: 'Polygon'; coordinates: LonLat[][] }
    | { type: 'MultiPolygon'; coordinates: LonLat[][][] }
    | { type: 'LineString'; coordinates: LonLat[] };
  /** radiusM: circles (a centre Point); widthM: corridors (a centre LineString). */
  properties: { id: string; name: string; siteId: string | null; kind?: string; radiusM?: number; widthM?: number };
}
export interface FenceCollection {
  type: 'FeatureCollection';
  features: FenceFeature[];
}

/** `config.json` next to index.html. */
export interface PageConfig {
  tileUrl: string | null;
  tileAttribution: string | null;
}

/** `GET /v1/findings.geojson`: roof outlines of inspected sites and the damage found on them (footprints). */
export interface FindingFeature {
  type: 'Feature';
  id?: string;
  geometry: { type: 'Polygon'; coordinates: LonLat[][] };
  properties:
    | { kind: 'roof'; siteId?: string; heightM: number }
    | {
      kind: 'finding'; id: string; className: string; severity: 'low' | 'medium' | 'high'; confidence: number; areaM2: number;
      outsideRoof: boolean; inspectionId: string; views: number; cropUrl?: string | null;
    };
}
export interface FindingCollection {
  type: 'FeatureCollection';
  features: FindingFeature[];
}
