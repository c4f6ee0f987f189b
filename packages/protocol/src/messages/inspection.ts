import { Type, type Static } from '@sinclair/typebox';
import { EventTime, Id, Lat, Lon, uplink } from './common.js';
import { LonLat } from '../geometry.js';
import { ID_PATTERN } from '../ids.js';

/**
 * Drone roof inspections: per-image detections (from the cloud worker or a ground station running the model at the
 * edge), findings clustered over a flight, and the price table that turns findings into estimate lines.
 */

export const PixelBox = Type.Object(
  { x1: Type.Number(), y1: Type.Number(), x2: Type.Number(), y2: Type.Number() },
  { additionalProperties: false, description: 'full-image pixels, x right, y down' },
);
export type PixelBox = Static<typeof PixelBox>;

const ClassName = Type.String({ minLength: 1, maxLength: 64 });
const Confidence = Type.Number({ minimum: 0, maximum: 1 });
/** Closed [lon, lat] ring. */
const Ring = Type.Array(LonLat, { minItems: 4, maxItems: 64 });

export const ImageDetection = Type.Object(
  {
    box: PixelBox,
    classId: Type.Integer({ minimum: 0 }),
    className: ClassName,
    confidence: Confidence,
    lat: Lat,
    lon: Lon,
    footprint: Ring,
    areaM2: Type.Number({ minimum: 0 }),
    gsdM: Type.Number({ exclusiveMinimum: 0 }),
    /** A small JPEG crop around the box, base64 (≤ 24 kB: a message stays under the 128 KiB payload limit, see codec.ts): what an edge station sends instead of the whole picture. */
    thumbnail: Type.Optional(Type.String({ maxLength: 24_000 })),
  },
  { additionalProperties: false },
);
export type ImageDetection = Static<typeof ImageDetection>;

/**
 * One image's results from a ground station that ran the model itself (topic kind `detections`). `detections` may be
 * empty: "looked, found nothing" is worth knowing. `model` names the model and version that looked.
 */
export const ImageDetections = uplink({
  imageId: Type.String({ minLength: 1, maxLength: 128 }),
  width: Type.Integer({ minimum: 1 }),
  height: Type.Integer({ minimum: 1 }),
  lat: Lat,
  lon: Lon,
  altRel: Type.Optional(Type.Number()),
  model: Type.String({ maxLength: 128 }),
  detections: Type.Array(ImageDetection, { maxItems: 500 }),
});
export type ImageDetections = Static<typeof ImageDetections>;

export const Severity = Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high')]);
export type Severity = Static<typeof Severity>;

export const FindingView = Type.Object(
  { imageId: Type.String(), box: PixelBox, confidence: Confidence },
  { additionalProperties: false },
);

export const Finding = Type.Object({
  id: Id,
  inspectionId: Id,
  jobId: Type.Union([Id, Type.Null()]),
  siteId: Type.Union([Id, Type.Null()]),
  className: ClassName,
  severity: Severity,
  confidence: Confidence,
  lat: Lat,
  lon: Lon,
  footprint: Ring,
  areaM2: Type.Number({ minimum: 0 }),
  outsideRoof: Type.Boolean(),
  views: Type.Array(FindingView),
});
export type Finding = Static<typeof Finding>;

export const InspectionStatus = Type.Union([
  Type.Literal('queued'),
  Type.Literal('processing'),
  Type.Literal('done'),
  Type.Literal('failed'),
]);
export type InspectionStatus = Static<typeof InspectionStatus>;

export const Inspection = Type.Object({
  id: Id,
  tenantId: Id,
  jobId: Type.Union([Id, Type.Null()]),
  siteId: Type.Union([Id, Type.Null()]),
  deviceId: Type.Union([Id, Type.Null()]),
  status: InspectionStatus,
  imageIds: Type.Array(Type.String()),
  /** Flight window, Unix ms: the drone track served with the inspection is the device's telemetry in it. */
  from: Type.Union([EventTime, Type.Null()]),
  to: Type.Union([EventTime, Type.Null()]),
  model: Type.Union([Type.String(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  stats: Type.Union([Type.Record(Type.String(), Type.Number()), Type.Null()]),
  createdAt: Type.String(),
  processedAt: Type.Union([Type.String(), Type.Null()]),
});
export type Inspection = Static<typeof Inspection>;

export const InspectionInput = Type.Object(
  {
    /** At most 48 characters: finding ids are `{inspectionId}-{n}` and ids are at most 64. Generated when absent. */
    id: Type.Optional(Type.String({ pattern: ID_PATTERN, maxLength: 48 })),
    /** Which drone flew: with from/to, the images it sent in that window make up the flight. */
    deviceId: Type.Optional(Id),
    from: Type.Optional(EventTime),
    to: Type.Optional(EventTime),
    /** Or name the images (uploaded through /v1/images) outright; both together add up. */
    imageIds: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 2000 })),
  },
  { additionalProperties: false },
);
export type InspectionInput = Static<typeof InspectionInput>;

/** The roof of a site: its outline and its eaves height above the ground the drone took off from. */
export const SiteRoof = Type.Object(
  {
    outline: Type.Array(LonLat, { minItems: 4, maxItems: 1000 }),
    heightM: Type.Number({ minimum: 0, maximum: 300 }),
    /** Roof area as the customer is billed, m²; computed from the outline when absent (a flat-roof estimate). */
    areaM2: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  },
  { additionalProperties: false },
);
export type SiteRoof = Static<typeof SiteRoof>;

/**
 * How a tenant prices repairs: one entry per finding class. `per` says what a finding counts as:
 * `finding` (each one), `square` (roofing square, 100 ft² ≈ 9.29 m², of the damaged footprint rounded up, at least
 * `minQuantity`), `m2`. Severity multiplies the unit price.
 */
export const PriceEntry = Type.Object(
  {
    className: ClassName,
    description: Type.String({ minLength: 1, maxLength: 200 }),
    per: Type.Union([Type.Literal('finding'), Type.Literal('square'), Type.Literal('m2')]),
    unitPrice: Type.Number({ minimum: 0 }),
    minQuantity: Type.Optional(Type.Number({ minimum: 0 })),
    severityFactor: Type.Optional(Type.Object(
      { low: Type.Number({ minimum: 0 }), medium: Type.Number({ minimum: 0 }), high: Type.Number({ minimum: 0 }) },
      { additionalProperties: false },
    )),
  },
  { additionalProperties: false },
);
export type PriceEntry = Static<typeof PriceEntry>;

export const PriceTable = Type.Object(
  {
    currency: Type.String({ pattern: '^[A-Z]{3}$' }),
    entries: Type.Array(PriceEntry, { maxItems: 200 }),
    /** Added once when any finding is on the roof (inspection, mobilisation). */
    fixed: Type.Optional(Type.Array(Type.Object(
      { description: Type.String({ minLength: 1, maxLength: 200 }), amount: Type.Number({ minimum: 0 }) },
      { additionalProperties: false },
    ), { maxItems: 20 })),
  },
  { additionalProperties: false },
);
export type PriceTable = Static<typeof PriceTable>;

export const EstimateLine = Type.Object({
  description: Type.String(),
  className: Type.Union([Type.String(), Type.Null()]),
  quantity: Type.Number(),
  unit: Type.String(),
  unitPrice: Type.Number(),
  amount: Type.Number(),
  findingIds: Type.Array(Type.String()),
});
export type EstimateLine = Static<typeof EstimateLine>;

export const Estimate = Type.Object({
  currency: Type.String(),
  lines: Type.Array(EstimateLine),
  total: Type.Number(),
  /** Classes found that the price table does not price: a person has to. */
  unpriced: Type.Array(Type.String()),
});
export type Estimate = Static<typeof Estimate>;

/** On the bus (kind `inspection`) when an inspection changes state; the live feed and the map follow it. */
export const InspectionUpdate = Type.Object({
  v: Type.Literal(1),
  tenantId: Id,
  inspectionId: Id,
  jobId: Type.Union([Id, Type.Null()]),
  siteId: Type.Union([Id, Type.Null()]),
  status: InspectionStatus,
  findings: Type.Integer({ minimum: 0 }),
  ts: EventTime,
});
export type InspectionUpdate = Static<typeof InspectionUpdate>;
