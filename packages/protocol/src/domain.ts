import { Type, type Static } from '@sinclair/typebox';
import { Id, EventTime } from './messages/common.js';
import { ID_PATTERN } from './ids.js';
import { JobStatus } from './messages/derived.js';
import { GeofenceShape, LonLat } from './geometry.js';
import { SiteRoof } from './messages/inspection.js';

/**
 * Entities as the API serves them. The `...Input` schemas are what a client sends to create one;
 * ids are chosen by the client (devices and vehicles already have names painted on them) or generated.
 */

export const Role = Type.Union([
  Type.Literal('admin'),
  Type.Literal('dispatcher'),
  Type.Literal('analyst'),
  Type.Literal('device-provisioning'),
]);
export type Role = Static<typeof Role>;

export const Tenant = Type.Object({ id: Id, name: Type.String({ minLength: 1, maxLength: 200 }), createdAt: Type.String() });
export type Tenant = Static<typeof Tenant>;
export const TenantInput = Type.Object({ id: Id, name: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });

export const DeviceKind = Type.Union([Type.Literal('truck'), Type.Literal('ground-station'), Type.Literal('sensor')]);
export const Device = Type.Object({
  id: Id,
  tenantId: Id,
  kind: DeviceKind,
  vehicleId: Type.Union([Id, Type.Null()]),
  profile: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  lastSeenAt: Type.Union([Type.String(), Type.Null()]),
});
export type Device = Static<typeof Device>;
export const DeviceInput = Type.Object(
  {
    id: Id,
    kind: DeviceKind,
    vehicleId: Type.Optional(Id),
    profile: Type.Optional(Type.String({ maxLength: 64 })),
    /**
     * MQTT password: random data, at least 24 characters (the store keeps its SHA-256, which is only safe for
     * high-entropy tokens). Generated when omitted; returned once.
     */
    secret: Type.Optional(Type.String({ minLength: 24, maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type DeviceInput = Static<typeof DeviceInput>;

export const Vehicle = Type.Object({
  id: Id,
  tenantId: Id,
  name: Type.String(),
  kind: Type.String(),
  crewId: Type.Union([Id, Type.Null()]),
  /** For speeding alerts where no fence sets a limit. */
  speedLimitKmh: Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.Null()]),
  /** Working hours, Unix ms: the route planner starts the vehicle no earlier and brings it back no later. Null: open. */
  shiftStart: Type.Union([EventTime, Type.Null()]),
  shiftEnd: Type.Union([EventTime, Type.Null()]),
});
export type Vehicle = Static<typeof Vehicle>;
export const VehicleInput = Type.Object(
  {
    id: Id,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    kind: Type.Optional(Type.String({ maxLength: 32 })),
    crewId: Type.Optional(Id),
    speedLimitKmh: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 300 })),
    /** Unix ms; null clears it (on PATCH). */
    shiftStart: Type.Optional(Type.Union([EventTime, Type.Null()])),
    shiftEnd: Type.Optional(Type.Union([EventTime, Type.Null()])),
  },
  { additionalProperties: false },
);
export type VehicleInput = Static<typeof VehicleInput>;

export const Site = Type.Object({
  id: Id,
  tenantId: Id,
  name: Type.String(),
  address: Type.Union([Type.String(), Type.Null()]),
  location: LonLat,
  customerId: Type.Union([Id, Type.Null()]),
  /** The fence that marks arrival; created with the site (a circle of `radiusM` unless a shape is given). */
  geofenceId: Type.Union([Id, Type.Null()]),
  /** The roof a drone inspection looks at (PUT /v1/sites/{id}/roof); null until someone drew it. */
  roof: Type.Union([SiteRoof, Type.Null()]),
});
export type Site = Static<typeof Site>;
export const SiteInput = Type.Object(
  {
    /** At most 59 characters: the site's arrival fence is `site-{id}`, and ids are at most 64. */
    id: Type.String({ pattern: ID_PATTERN, maxLength: 59 }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    address: Type.Optional(Type.String({ maxLength: 500 })),
    location: LonLat,
    customerId: Type.Optional(Id),
    radiusM: Type.Optional(Type.Number({ minimum: 5, maximum: 5000, default: 60 })),
    shape: Type.Optional(GeofenceShape),
    roof: Type.Optional(SiteRoof),
  },
  { additionalProperties: false },
);
export type SiteInput = Static<typeof SiteInput>;

/** What a fence is for: a customer site (job arrival), a depot or yard, or any other zone. */
export const GeofenceKind = Type.Union([Type.Literal('site'), Type.Literal('depot'), Type.Literal('zone')]);
export type GeofenceKind = Static<typeof GeofenceKind>;

export const Geofence = Type.Object({
  id: Id,
  tenantId: Id,
  name: Type.String(),
  siteId: Type.Union([Id, Type.Null()]),
  shape: GeofenceShape,
  kind: GeofenceKind,
  /** Inside this long before "arrive", seconds; null: the kind's default (2 minutes). */
  dwellInS: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
  /** Outside this long after arriving before "depart", seconds; null: the kind's default (3 minutes). */
  dwellOutS: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
  /** Speed limit inside the fence, for speeding alerts; beats the vehicle's own limit. */
  speedLimitKmh: Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.Null()]),
});
export type Geofence = Static<typeof Geofence>;
export const GeofenceInput = Type.Object(
  {
    id: Id,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    siteId: Type.Optional(Id),
    shape: GeofenceShape,
    /** Default 'site' when siteId is given, else 'zone'. */
    kind: Type.Optional(GeofenceKind),
    dwellInS: Type.Optional(Type.Integer({ minimum: 0, maximum: 86400 })),
    dwellOutS: Type.Optional(Type.Integer({ minimum: 0, maximum: 86400 })),
    speedLimitKmh: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 300 })),
  },
  { additionalProperties: false },
);

export const Job = Type.Object({
  id: Id,
  tenantId: Id,
  siteId: Id,
  title: Type.String(),
  status: JobStatus,
  vehicleId: Type.Union([Id, Type.Null()]),
  /** Appointment window, Unix ms; null when open. */
  windowStart: Type.Union([EventTime, Type.Null()]),
  windowEnd: Type.Union([EventTime, Type.Null()]),
  /** Sequence of this job in its vehicle's day; the lowest unfinished one is the vehicle's next stop. */
  routeOrder: Type.Union([Type.Integer(), Type.Null()]),
  startedAt: Type.Union([EventTime, Type.Null()]),
  completedAt: Type.Union([EventTime, Type.Null()]),
  /** From telemetry: the vehicle set off towards the job, arrived (dwelt in the site fence), and left after work. */
  enRouteAt: Type.Union([EventTime, Type.Null()]),
  arrivedAt: Type.Union([EventTime, Type.Null()]),
  departedAt: Type.Union([EventTime, Type.Null()]),
  /** 0..100: when not every job fits in the day, the route planner keeps the higher ones. */
  priority: Type.Integer({ minimum: 0, maximum: 100 }),
  /** Expected time on site, seconds (the planner's service duration). */
  serviceS: Type.Integer({ minimum: 0 }),
  /** Skills the crew must have (crews.skills); the planner gives the job only to vehicles whose crew has them all. */
  requiredSkills: Type.Array(Type.String()),
});
export type Job = Static<typeof Job>;
export const JobInput = Type.Object(
  {
    id: Id,
    siteId: Id,
    title: Type.String({ minLength: 1, maxLength: 500 }),
    status: Type.Optional(JobStatus),
    vehicleId: Type.Optional(Id),
    windowStart: Type.Optional(EventTime),
    windowEnd: Type.Optional(EventTime),
    routeOrder: Type.Optional(Type.Integer({ minimum: 0 })),
    /** 0 when omitted on create. */
    priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
    /** Seconds on site; 1800 when omitted on create. */
    serviceS: Type.Optional(Type.Integer({ minimum: 0, maximum: 7 * 86400 })),
    /** None when omitted on create; an empty list clears them on PATCH. */
    requiredSkills: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 32, uniqueItems: true })),
  },
  { additionalProperties: false },
);
export type JobInput = Static<typeof JobInput>;
export const JobPatch = Type.Partial(Type.Omit(JobInput, ['id', 'siteId']), { additionalProperties: false });
export type JobPatch = Static<typeof JobPatch>;

/** Statuses in which a job is still ahead of its vehicle (ETA is computed for the first of these). */
export const OPEN_JOB_STATUSES: ReadonlyArray<Static<typeof JobStatus>> = ['scheduled', 'assigned', 'en_route'];
