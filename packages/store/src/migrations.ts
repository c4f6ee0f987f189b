/**
 * The one schema, as ordered migrations. The SQL runs unchanged on PostgreSQL (pg) and on PGlite; the only
 * branch is how the telemetry tables are partitioned, chosen at migration time by what the server offers:
 * a TimescaleDB hypertable (with compression and retention) when the extension exists, native range
 * partitioning by day with a BRIN index on time otherwise. Queries are the same either way.
 */
export interface Migration {
  version: number;
  name: string;
  /** Statements, or a function that picks them once the server's capabilities are known. */
  up: string | ((caps: ServerCaps) => string);
}

export interface ServerCaps {
  timescale: boolean;
  /** Days of raw telemetry kept (TimescaleDB retention policy / partition drop). */
  retentionDays: number;
}

const relational = /* sql */ `
CREATE TABLE tenants (
  id text PRIMARY KEY,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- API keys: only the SHA-256 of a random 32-byte token is kept. tenant_id NULL = platform operator.
CREATE TABLE api_keys (
  key_hash text PRIMARY KEY,
  tenant_id text REFERENCES tenants(id) ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('admin', 'dispatcher', 'analyst', 'device-provisioning')),
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE crews (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id text NOT NULL,
  name text NOT NULL,
  skills text[] NOT NULL DEFAULT '{}',
  PRIMARY KEY (tenant_id, id)
);

CREATE TABLE vehicles (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id text NOT NULL,
  name text NOT NULL,
  kind text NOT NULL DEFAULT 'truck',
  crew_id text,
  PRIMARY KEY (tenant_id, id)
);

-- Device credentials: MQTT username is '{tenant}/{device}', the password a random token whose SHA-256 is kept.
-- A fast hash is enough because secrets are machine-generated with >= 128 bits of entropy (checked on input).
CREATE TABLE devices (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id text NOT NULL,
  kind text NOT NULL,
  vehicle_id text,
  profile text,
  secret_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz,
  PRIMARY KEY (tenant_id, id)
);

CREATE TABLE customers (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id text NOT NULL,
  name text NOT NULL,
  phone text,
  email text,
  PRIMARY KEY (tenant_id, id)
);

CREATE TABLE geofences (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id text NOT NULL,
  name text NOT NULL,
  site_id text,
  shape jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);

CREATE TABLE sites (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id text NOT NULL,
  name text NOT NULL,
  address text,
  lon double precision NOT NULL,
  lat double precision NOT NULL,
  customer_id text,
  geofence_id text,
  PRIMARY KEY (tenant_id, id)
);

CREATE TABLE jobs (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id text NOT NULL,
  site_id text NOT NULL,
  title text NOT NULL,
  status text NOT NULL,
  vehicle_id text,
  window_start timestamptz,
  window_end timestamptz,
  route_order integer,
  started_at timestamptz,
  completed_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, site_id) REFERENCES sites(tenant_id, id)
);
CREATE INDEX jobs_vehicle ON jobs (tenant_id, vehicle_id, route_order);

-- Derived events (geofence transitions, job status changes, ETA milestones). id is deterministic, so a
-- replayed input stores each event once.
CREATE TABLE events (
  id text PRIMARY KEY,
  tenant_id text NOT NULL,
  kind text NOT NULL,
  ts timestamptz NOT NULL,
  device_id text,
  vehicle_id text,
  job_id text,
  geofence_id text,
  late boolean NOT NULL DEFAULT false,
  data jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_tenant_ts ON events (tenant_id, ts DESC);

-- Messages ingest refused, with why and the exact bytes, so nothing a device sent is ever silently lost.
CREATE TABLE dead_letters (
  id bigserial PRIMARY KEY,
  received_at timestamptz NOT NULL DEFAULT now(),
  tenant_id text,
  device_id text,
  topic text NOT NULL,
  reason text NOT NULL,
  detail text NOT NULL,
  payload bytea NOT NULL
);
CREATE INDEX dead_letters_received ON dead_letters (received_at DESC);
`;

const positionsColumns = /* sql */ `
  tenant_id text NOT NULL,
  device_id text NOT NULL,
  seq bigint NOT NULL,
  ts timestamptz NOT NULL,
  received_at timestamptz NOT NULL,
  lat double precision NOT NULL,
  lon double precision NOT NULL,
  alt real,
  accuracy real,
  speed real,
  heading real,
  fix text NOT NULL,
  sats smallint,
  hdop real,
  -- One index does two jobs. Idempotency: a replay carries the same (device, ts, seq), so it is stored once (ts must
  -- be in any unique key of a partitioned table anyway). Reads: a device's track over a time range, and its latest
  -- fix, are range scans of this same index. A second btree cost ~20% of PGlite's insert rate (measured).
  PRIMARY KEY (tenant_id, device_id, ts, seq)`;

const messagesColumns = /* sql */ `
  tenant_id text NOT NULL,
  device_id text NOT NULL,
  kind text NOT NULL,
  seq bigint NOT NULL,
  ts timestamptz NOT NULL,
  received_at timestamptz NOT NULL,
  body jsonb NOT NULL,
  PRIMARY KEY (tenant_id, device_id, kind, ts, seq)`;

function telemetry(caps: ServerCaps): string {
  if (caps.timescale) {
    return /* sql */ `
CREATE TABLE positions (${positionsColumns});
SELECT create_hypertable('positions', 'ts', chunk_time_interval => interval '1 day');
ALTER TABLE positions SET (timescaledb.compress, timescaledb.compress_segmentby = 'tenant_id, device_id', timescaledb.compress_orderby = 'ts');
SELECT add_compression_policy('positions', interval '7 days');
SELECT add_retention_policy('positions', interval '${caps.retentionDays} days');

CREATE TABLE device_messages (${messagesColumns});
SELECT create_hypertable('device_messages', 'ts', chunk_time_interval => interval '1 day');
SELECT add_retention_policy('device_messages', interval '${caps.retentionDays} days');
`;
  }
  // Native partitioning: daily partitions are created ahead by ensurePartitions(); the DEFAULT partition
  // catches anything outside them (a device with a wrong clock) so no fix is ever refused by the store.
  return /* sql */ `
CREATE TABLE positions (${positionsColumns}) PARTITION BY RANGE (ts);
CREATE TABLE positions_default PARTITION OF positions DEFAULT;
CREATE INDEX positions_ts_brin ON positions USING brin (ts);

CREATE TABLE device_messages (${messagesColumns}) PARTITION BY RANGE (ts);
CREATE TABLE device_messages_default PARTITION OF device_messages DEFAULT;
CREATE INDEX device_messages_ts_brin ON device_messages USING brin (ts);
`;
}

/** The hot path: fence kinds and dwell, alerts, timesheets, learned speeds, job arrival/departure times. */
const hotPath = /* sql */ `
ALTER TABLE geofences
  ADD COLUMN kind text NOT NULL DEFAULT 'zone' CHECK (kind IN ('site', 'depot', 'zone')),
  ADD COLUMN dwell_in_s integer CHECK (dwell_in_s >= 0),
  ADD COLUMN dwell_out_s integer CHECK (dwell_out_s >= 0),
  ADD COLUMN speed_limit_kmh real CHECK (speed_limit_kmh > 0);
UPDATE geofences SET kind = 'site' WHERE site_id IS NOT NULL;

ALTER TABLE vehicles ADD COLUMN speed_limit_kmh real CHECK (speed_limit_kmh > 0);

ALTER TABLE jobs
  ADD COLUMN en_route_at timestamptz,
  ADD COLUMN arrived_at timestamptz,
  ADD COLUMN departed_at timestamptz;

-- A tenant's alert rules are one JSON document (validated by the API against the protocol's AlertRuleSet).
CREATE TABLE alert_rules (
  tenant_id text PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
  rules jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- One row per alert, updated in place through its lifecycle (open, acknowledged, cleared).
CREATE TABLE alerts (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id text NOT NULL,
  rule_id text NOT NULL,
  kind text NOT NULL,
  severity text NOT NULL,
  status text NOT NULL CHECK (status IN ('open', 'acknowledged', 'cleared')),
  device_id text,
  vehicle_id text,
  job_id text,
  opened_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  cleared_at timestamptz,
  acknowledged_at timestamptz,
  acknowledged_by text,
  data jsonb NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX alerts_recent ON alerts (tenant_id, updated_at DESC);

-- Time en route, on site and idle per job, vehicle and crew, as billing reads it. ids are deterministic.
CREATE TABLE timesheet_entries (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id text NOT NULL,
  job_id text NOT NULL,
  vehicle_id text NOT NULL,
  crew_id text,
  kind text NOT NULL CHECK (kind IN ('en_route', 'on_site', 'idle')),
  started_at timestamptz NOT NULL,
  ended_at timestamptz NOT NULL,
  seconds integer NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX timesheet_job ON timesheet_entries (tenant_id, job_id);

-- Speeds the fleet has driven per H3 cell and hour of week, learned online by the ETA processor.
CREATE TABLE speed_profiles (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  cell text NOT NULL,
  hour_of_week smallint NOT NULL CHECK (hour_of_week BETWEEN 0 AND 167),
  n integer NOT NULL,
  mean_speed_ms real NOT NULL,
  PRIMARY KEY (tenant_id, cell, hour_of_week)
);
`;

/** The learned detour factor's sums, beside the speed rows (the factor is path_m ÷ chord_m). */
const detours = /* sql */ `
CREATE TABLE speed_profile_detours (
  tenant_id text PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
  path_m double precision NOT NULL,
  chord_m double precision NOT NULL
);
`;

/** Route planning: what the optimizer needs of jobs and vehicles, and the plans it proposes. */
const planning = /* sql */ `
ALTER TABLE jobs
  ADD COLUMN priority smallint NOT NULL DEFAULT 0 CHECK (priority BETWEEN 0 AND 100),
  ADD COLUMN service_s integer NOT NULL DEFAULT 1800 CHECK (service_s >= 0),
  ADD COLUMN required_skills text[] NOT NULL DEFAULT '{}';

ALTER TABLE vehicles
  ADD COLUMN shift_start timestamptz,
  ADD COLUMN shift_end timestamptz;

ALTER TABLE tenants ADD COLUMN plan_auto_apply boolean NOT NULL DEFAULT false;

CREATE TABLE plans (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id text NOT NULL,
  created_at timestamptz NOT NULL,
  status text NOT NULL CHECK (status IN ('proposed', 'applied', 'rejected', 'superseded')),
  trigger_kind text NOT NULL,
  plan jsonb NOT NULL,
  vroom_input jsonb,
  vroom_output jsonb,
  applied_at timestamptz,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX plans_recent ON plans (tenant_id, created_at DESC);
`;

/**
 * Drone roof inspections: a site's roof, a tenant's repair prices, and the inspection queue the stream-processors'
 * worker drains (images in, per-image detections, findings out). Finding crops are small JPEGs (a few kB each), kept
 * beside the finding so the report and the map read one row.
 */
const inspections = /* sql */ `
ALTER TABLE sites ADD COLUMN roof jsonb;
ALTER TABLE tenants ADD COLUMN price_table jsonb;

CREATE TABLE inspections (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id text NOT NULL,
  job_id text,
  site_id text,
  device_id text,
  status text NOT NULL CHECK (status IN ('queued', 'processing', 'done', 'failed')),
  from_ts timestamptz,
  to_ts timestamptz,
  model text,
  error text,
  stats jsonb,
  -- Claims so far: a worker that crashes on the same inspection again and again must not retry it forever.
  attempts integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  claimed_at timestamptz,
  processed_at timestamptz,
  PRIMARY KEY (tenant_id, id)
);
-- The worker's queue scan (across tenants), and a job's inspections.
CREATE INDEX inspections_queue ON inspections (status, created_at);
CREATE INDEX inspections_job ON inspections (tenant_id, job_id, created_at DESC);

-- The images an inspection looks at. pose: the capture pose (lat lon altRel roll pitch yaw gimbalPitch gimbalYaw width
-- height cameraProfile, as known). source 'edge': the ground station ran the model; its detections are copied in.
-- detections NULL: not looked at yet; [] : looked, found nothing.
CREATE TABLE inspection_images (
  tenant_id text NOT NULL,
  inspection_id text NOT NULL,
  image_id text NOT NULL,
  ts timestamptz NOT NULL,
  pose jsonb NOT NULL,
  source text NOT NULL CHECK (source IN ('upload', 'edge')),
  detections jsonb,
  model text,
  looked_at timestamptz,
  PRIMARY KEY (tenant_id, inspection_id, image_id),
  FOREIGN KEY (tenant_id, inspection_id) REFERENCES inspections (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE findings (
  tenant_id text NOT NULL,
  id text NOT NULL,
  inspection_id text NOT NULL,
  job_id text,
  site_id text,
  class_name text NOT NULL,
  severity text NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
  confidence double precision NOT NULL,
  lat double precision NOT NULL,
  lon double precision NOT NULL,
  footprint jsonb NOT NULL,
  area_m2 double precision NOT NULL,
  outside_roof boolean NOT NULL DEFAULT false,
  views jsonb NOT NULL,
  crop_jpeg bytea,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, inspection_id) REFERENCES inspections (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX findings_job ON findings (tenant_id, job_id);
CREATE INDEX findings_inspection ON findings (tenant_id, inspection_id);
`;

export const migrations: Migration[] = [
  { version: 1, name: 'relational tables', up: relational },
  { version: 2, name: 'telemetry tables', up: telemetry },
  { version: 3, name: 'hot path: fence dwell, alerts, timesheets, speed profiles', up: hotPath },
  { version: 4, name: 'speed profile detour factor', up: detours },
  { version: 5, name: 'route planning', up: planning },
  { version: 6, name: 'drone roof inspections', up: inspections },
];
