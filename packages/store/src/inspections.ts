import type {
  Finding, ImageDetection, Inspection, InspectionStatus, InspectionUpdate, PriceTable, SiteRoof,
} from '@fieldtrace/protocol';
import type { Db, Statement } from './db.js';
import type { ImageFileMetadata } from './image-files.js';

/**
 * Drone roof inspections (tables `inspections`, `inspection_images`, `findings`; `sites.roof`, `tenants.price_table`).
 * The API creates an inspection with the images it covers; the stream-processors' worker claims it, looks at each
 * image (or takes what a ground station already found), clusters the detections into findings and finishes it. Nothing
 * here knows about HTTP or the bus. All times are Unix ms in and out; the caller's clock, never the database's.
 */

/** What is known of where the camera was and where it looked (protocol ImageMetadata's pose fields). */
export type InspectionImagePose = Omit<ImageFileMetadata, 'ts' | 'deviceId'>;

/** 'upload': the bytes are in the image store; 'edge': a ground station ran the model and sent its detections. */
export type InspectionImageSource = 'upload' | 'edge';

export interface InspectionImageInput {
  imageId: string;
  /** Capture time. */
  ts: number;
  pose: InspectionImagePose;
  source: InspectionImageSource;
  /** Edge images: what the ground station found (`[]`: looked, found nothing). */
  detections?: ImageDetection[] | null;
  model?: string | null;
  lookedAt?: number | null;
}

export interface InspectionImage {
  imageId: string;
  ts: number;
  pose: InspectionImagePose;
  source: InspectionImageSource;
  /** null until looked at. */
  detections: ImageDetection[] | null;
  model: string | null;
  lookedAt: number | null;
}

export interface NewInspection {
  id: string;
  jobId: string | null;
  siteId: string | null;
  deviceId: string | null;
  from: number | null;
  to: number | null;
  createdAt: number;
  images: InspectionImageInput[];
}

/** A finding as the worker hands it over: the inspection's job and site are filled in from the inspection. */
export type NewFinding = Omit<Finding, 'inspectionId' | 'jobId' | 'siteId'> & {
  /** Annotated JPEG crop for the report and the map popup. */
  crop?: Uint8Array | null;
};

export type StoredFinding = Finding & { hasCrop: boolean };

interface InspectionRow {
  tenant_id: string;
  id: string;
  job_id: string | null;
  site_id: string | null;
  device_id: string | null;
  status: InspectionStatus;
  from_ts: Date | null;
  to_ts: Date | null;
  model: string | null;
  error: string | null;
  stats: Record<string, number> | null;
  created_at: Date;
  processed_at: Date | null;
  image_ids: string[];
}

/** `i` is an inspections row (or a CTE with its columns). */
const INSPECTION_COLUMNS = `i.tenant_id, i.id, i.job_id, i.site_id, i.device_id, i.status, i.from_ts, i.to_ts, i.model, i.error,
  i.stats, i.created_at, i.processed_at,
  ARRAY(SELECT m.image_id FROM inspection_images m WHERE m.tenant_id = i.tenant_id AND m.inspection_id = i.id
        ORDER BY m.ts, m.image_id) AS image_ids`;

function toInspection(r: InspectionRow): Inspection {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    jobId: r.job_id,
    siteId: r.site_id,
    deviceId: r.device_id,
    status: r.status,
    imageIds: r.image_ids,
    from: r.from_ts ? r.from_ts.getTime() : null,
    to: r.to_ts ? r.to_ts.getTime() : null,
    model: r.model,
    error: r.error,
    stats: r.stats,
    createdAt: r.created_at.toISOString(),
    processedAt: r.processed_at ? r.processed_at.toISOString() : null,
  };
}

const ms = (param: string) => `to_timestamp(${param}::bigint / 1000.0)`;

/**
 * Stores a queued inspection and its images in one transaction. A duplicate id fails with the database's unique
 * violation (23505), which the API reports as 409.
 */
export async function createInspection(db: Db, tenantId: string, input: NewInspection): Promise<Inspection> {
  const images = input.images.map((im) => ({
    image_id: im.imageId,
    ts: im.ts,
    pose: im.pose,
    source: im.source,
    detections: im.detections ?? null,
    model: im.model ?? null,
    looked_at: im.lookedAt ?? null,
  }));
  await db.transaction([
    {
      sql: `INSERT INTO inspections (tenant_id, id, job_id, site_id, device_id, status, from_ts, to_ts, created_at)
            VALUES ($1, $2, $3, $4, $5, 'queued', ${ms('$6')}, ${ms('$7')}, ${ms('$8')})`,
      params: [tenantId, input.id, input.jobId, input.siteId, input.deviceId, input.from, input.to, input.createdAt],
    },
    {
      // One statement for any number of images; a JSON null in a jsonb column is the JSON value, hence NULLIF.
      sql: `INSERT INTO inspection_images (tenant_id, inspection_id, image_id, ts, pose, source, detections, model, looked_at)
            SELECT $1, $2, r.image_id, to_timestamp(r.ts / 1000.0), r.pose, r.source, NULLIF(r.detections, 'null'::jsonb), r.model,
                   to_timestamp(r.looked_at / 1000.0)
            FROM jsonb_to_recordset($3::jsonb)
              AS r(image_id text, ts float8, pose jsonb, source text, detections jsonb, model text, looked_at float8)`,
      params: [tenantId, input.id, JSON.stringify(images)],
    },
  ]);
  const created = await getInspection(db, tenantId, input.id);
  if (!created) throw new Error(`inspection ${input.id} vanished after insert`);
  return created;
}

export async function getInspection(db: Db, tenantId: string, id: string): Promise<Inspection | null> {
  const [row] = await db.query<InspectionRow>(
    `SELECT ${INSPECTION_COLUMNS} FROM inspections i WHERE i.tenant_id = $1 AND i.id = $2`,
    [tenantId, id],
  );
  return row ? toInspection(row) : null;
}

/** Newest first; a job's when `jobId` is given. */
export async function listInspections(db: Db, tenantId: string, opts: { jobId?: string; limit?: number } = {}): Promise<Inspection[]> {
  const rows = await db.query<InspectionRow>(
    `SELECT ${INSPECTION_COLUMNS} FROM inspections i
     WHERE i.tenant_id = $1 AND ($2::text IS NULL OR i.job_id = $2)
     ORDER BY i.created_at DESC, i.id DESC LIMIT $3`,
    [tenantId, opts.jobId ?? null, opts.limit ?? 100],
  );
  return rows.map(toInspection);
}

export interface ClaimOptions {
  /**
   * A 'processing' inspection not heard of for this long (ms) belongs to a worker that died: it is claimed again.
   * The worker's heartbeat is saveImageDetections (or touchInspection); default 10 minutes.
   */
  staleMs?: number;
  /** Claims after which a stale inspection is given up (failAbandonedInspections) rather than retried; default 3. */
  maxAttempts?: number;
}
const DEFAULT_STALE_MS = 10 * 60_000;
const DEFAULT_MAX_ATTEMPTS = 3;

/**
 * Takes the oldest queued inspection of any tenant (or a stale 'processing' one, see ClaimOptions) and marks it
 * 'processing' for the caller. SKIP LOCKED lets several workers claim at once without waiting on one another or
 * taking the same row; one statement, so the pick and the mark are atomic. Null when there is nothing to do.
 */
export async function claimNextInspection(db: Db, now: number, opts: ClaimOptions = {}): Promise<Inspection | null> {
  const [row] = await db.query<InspectionRow>(
    `WITH claimed AS (
       UPDATE inspections SET status = 'processing', claimed_at = ${ms('$1')}, attempts = attempts + 1
       WHERE (tenant_id, id) = (
         SELECT tenant_id, id FROM inspections
         WHERE status = 'queued'
            OR (status = 'processing' AND claimed_at < ${ms('$2')} AND attempts < $3)
         ORDER BY created_at, tenant_id, id
         LIMIT 1
         FOR UPDATE SKIP LOCKED)
       RETURNING *
     )
     SELECT ${INSPECTION_COLUMNS} FROM claimed i`,
    [now, now - (opts.staleMs ?? DEFAULT_STALE_MS), opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS],
  );
  return row ? toInspection(row) : null;
}

/**
 * Fails the stale inspections that used up their attempts (an image that crashes the worker must not crash every
 * worker forever), returning them so the caller can announce it.
 */
export async function failAbandonedInspections(db: Db, now: number, opts: ClaimOptions = {}): Promise<Inspection[]> {
  const rows = await db.query<InspectionRow>(
    `WITH failed AS (
       UPDATE inspections
       SET status = 'failed', processed_at = ${ms('$1')},
           error = 'abandoned: no worker finished it in ' || attempts || ' attempts'
       WHERE status = 'processing' AND claimed_at < ${ms('$2')} AND attempts >= $3
       RETURNING *
     )
     SELECT ${INSPECTION_COLUMNS} FROM failed i ORDER BY i.created_at, i.id`,
    [now, now - (opts.staleMs ?? DEFAULT_STALE_MS), opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS],
  );
  return rows.map(toInspection);
}

/** The worker's heartbeat on a long image: keeps a claimed inspection from being taken as abandoned. */
export async function touchInspection(db: Db, tenantId: string, id: string, now: number): Promise<void> {
  await db.query(
    `UPDATE inspections SET claimed_at = ${ms('$3')} WHERE tenant_id = $1 AND id = $2 AND status = 'processing'`,
    [tenantId, id, now],
  );
}

interface ImageRow {
  image_id: string;
  ts: Date;
  pose: InspectionImagePose;
  source: InspectionImageSource;
  detections: ImageDetection[] | null;
  model: string | null;
  looked_at: Date | null;
}

/** In capture order. */
export async function listInspectionImages(db: Db, tenantId: string, inspectionId: string): Promise<InspectionImage[]> {
  const rows = await db.query<ImageRow>(
    `SELECT image_id, ts, pose, source, detections, model, looked_at FROM inspection_images
     WHERE tenant_id = $1 AND inspection_id = $2 ORDER BY ts, image_id`,
    [tenantId, inspectionId],
  );
  return rows.map((r) => ({
    imageId: r.image_id,
    ts: r.ts.getTime(),
    pose: r.pose,
    source: r.source,
    detections: r.detections,
    model: r.model,
    lookedAt: r.looked_at ? r.looked_at.getTime() : null,
  }));
}

/** How many images an inspection covers and how many have been looked at (by the worker or at the edge). */
export async function countInspectionImages(db: Db, tenantId: string, inspectionId: string): Promise<{ total: number; lookedAt: number }> {
  const [row] = await db.query<{ total: number; looked_at: number }>(
    `SELECT count(*)::int AS total, count(*) FILTER (WHERE detections IS NOT NULL)::int AS looked_at
     FROM inspection_images WHERE tenant_id = $1 AND inspection_id = $2`,
    [tenantId, inspectionId],
  );
  return { total: row?.total ?? 0, lookedAt: row?.looked_at ?? 0 };
}

/**
 * A drone's path in a time window, [lon, lat] in time order, from its ground station's `drone` messages, thinned to at
 * most `maxPoints` by keeping every k-th fix and the last one. Thinned in the database so a 10 Hz half-hour flight does
 * not cross to the caller whole.
 */
export async function droneTrack(
  db: Db, tenantId: string, deviceId: string, from: number, to: number, maxPoints = 2000,
): Promise<Array<[number, number]>> {
  const rows = await db.query<{ lon: number; lat: number }>(
    `WITH t AS (
       SELECT (body->>'lon')::float8 AS lon, (body->>'lat')::float8 AS lat,
              row_number() OVER (ORDER BY ts, seq) AS rn, count(*) OVER () AS n
       FROM device_messages
       WHERE tenant_id = $1 AND device_id = $2 AND kind = 'drone'
         AND ts >= ${ms('$3')} AND ts <= ${ms('$4')}
     )
     SELECT lon, lat FROM t
     WHERE (rn - 1) % GREATEST(1, ceil(n / ($5::int - 1.0)))::bigint = 0 OR rn = n
     ORDER BY rn`,
    [tenantId, deviceId, from, to, Math.max(2, maxPoints)],
  );
  return rows.map((r) => [r.lon, r.lat]);
}

/**
 * Records what the model found in one image (`[]`: nothing), and doubles as the worker's heartbeat. Returns false when
 * the inspection has no such image.
 */
export async function saveImageDetections(
  db: Db, tenantId: string, inspectionId: string, imageId: string, detections: ImageDetection[], model: string, now: number,
): Promise<boolean> {
  const [row] = await db.query<{ n: number }>(
    `WITH img AS (
       UPDATE inspection_images SET detections = $4::jsonb, model = $5, looked_at = ${ms('$6')}
       WHERE tenant_id = $1 AND inspection_id = $2 AND image_id = $3
       RETURNING 1
     ), beat AS (
       UPDATE inspections SET claimed_at = ${ms('$6')}
       WHERE tenant_id = $1 AND id = $2 AND status = 'processing' AND EXISTS (SELECT 1 FROM img)
     )
     SELECT count(*)::int AS n FROM img`,
    [tenantId, inspectionId, imageId, JSON.stringify(detections), model, now],
  );
  return (row?.n ?? 0) > 0;
}

/**
 * Replaces an inspection's findings (a re-run must not add to the last run's) in one transaction: the delete and every
 * insert commit together. The job and site are copied from the inspection. Finding ids are unique per tenant, so the
 * worker prefixes them with the inspection id. Returns how many were stored (0 when there is no such inspection).
 */
export async function replaceFindings(db: Db, tenantId: string, inspectionId: string, findings: readonly NewFinding[]): Promise<number> {
  const statements: Statement[] = [
    { sql: 'DELETE FROM findings WHERE tenant_id = $1 AND inspection_id = $2', params: [tenantId, inspectionId] },
  ];
  // One statement per finding: a crop travels as its own bytea parameter (tens of findings per roof, not thousands).
  for (const f of findings) {
    statements.push({
      sql: `INSERT INTO findings (tenant_id, id, inspection_id, job_id, site_id, class_name, severity, confidence, lat, lon,
                                  footprint, area_m2, outside_roof, views, crop_jpeg)
            SELECT $1, $3, i.id, i.job_id, i.site_id, $4::text, $5::text, $6::float8, $7::float8, $8::float8, $9::jsonb,
                   $10::float8, $11::boolean, $12::jsonb, $13::bytea
            FROM inspections i WHERE i.tenant_id = $1 AND i.id = $2
            RETURNING id`,
      params: [
        tenantId, inspectionId, f.id, f.className, f.severity, f.confidence, f.lat, f.lon, JSON.stringify(f.footprint),
        f.areaM2, f.outsideRoof, JSON.stringify(f.views), f.crop ?? null,
      ],
    });
  }
  const results = await db.transaction(statements);
  let stored = 0;
  for (let i = 1; i < results.length; i++) stored += results[i]!.length;
  return stored;
}

export type InspectionOutcome =
  | { status: 'done'; stats?: Record<string, number> | null; model?: string | null }
  | { status: 'failed'; error: string; stats?: Record<string, number> | null; model?: string | null };

/** Marks an inspection done or failed; null when there is no such inspection. */
export async function finishInspection(
  db: Db, tenantId: string, id: string, outcome: InspectionOutcome, now: number,
): Promise<Inspection | null> {
  const [row] = await db.query<InspectionRow>(
    `WITH fin AS (
       UPDATE inspections SET status = $3, stats = $4::jsonb, error = $5, model = COALESCE($6, model), processed_at = ${ms('$7')}
       WHERE tenant_id = $1 AND id = $2
       RETURNING *
     )
     SELECT ${INSPECTION_COLUMNS} FROM fin i`,
    [
      tenantId, id, outcome.status, outcome.stats ? JSON.stringify(outcome.stats) : null,
      outcome.status === 'failed' ? outcome.error : null, outcome.model ?? null, now,
    ],
  );
  return row ? toInspection(row) : null;
}

/** The bus message (kind `inspection`) for an inspection's current state. */
export function inspectionUpdate(inspection: Inspection, findings: number, ts: number): InspectionUpdate {
  return {
    v: 1, tenantId: inspection.tenantId, inspectionId: inspection.id, jobId: inspection.jobId, siteId: inspection.siteId, status: inspection.status, findings, ts,
  };
}

interface FindingRow {
  id: string;
  inspection_id: string;
  job_id: string | null;
  site_id: string | null;
  class_name: string;
  severity: Finding['severity'];
  confidence: number;
  lat: number;
  lon: number;
  footprint: Finding['footprint'];
  area_m2: number;
  outside_roof: boolean;
  views: Finding['views'];
  has_crop: boolean;
}

const FINDING_COLUMNS = `id, inspection_id, job_id, site_id, class_name, severity, confidence, lat, lon, footprint, area_m2,
  outside_roof, views, crop_jpeg IS NOT NULL AS has_crop`;

/** A job's findings (over all its inspections) or one inspection's; in the order they were stored. */
export async function listFindings(
  db: Db, tenantId: string, filter: { jobId: string } | { inspectionId: string },
): Promise<StoredFinding[]> {
  const byJob = 'jobId' in filter;
  const rows = await db.query<FindingRow>(
    `SELECT ${FINDING_COLUMNS} FROM findings
     WHERE tenant_id = $1 AND ${byJob ? 'job_id' : 'inspection_id'} = $2
     ORDER BY created_at, inspection_id, id`,
    [tenantId, byJob ? filter.jobId : filter.inspectionId],
  );
  return rows.map(toStoredFinding);
}

/** PGlite returns bytea as Uint8Array, pg as Buffer. */
const asBuffer = (b: Uint8Array) => (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength));

/** A finding's JPEG crop; null when there is no such finding or it has none. */
export async function getFindingCrop(db: Db, tenantId: string, findingId: string): Promise<Buffer | null> {
  const [row] = await db.query<{ crop_jpeg: Uint8Array | null }>(
    'SELECT crop_jpeg FROM findings WHERE tenant_id = $1 AND id = $2',
    [tenantId, findingId],
  );
  return row?.crop_jpeg ? asBuffer(row.crop_jpeg) : null;
}

/** Every crop of an inspection's findings, by finding id (for the report). */
export async function listFindingCrops(db: Db, tenantId: string, inspectionId: string): Promise<Map<string, Buffer>> {
  const rows = await db.query<{ id: string; crop_jpeg: Uint8Array }>(
    'SELECT id, crop_jpeg FROM findings WHERE tenant_id = $1 AND inspection_id = $2 AND crop_jpeg IS NOT NULL',
    [tenantId, inspectionId],
  );
  return new Map(rows.map((r) => [r.id, asBuffer(r.crop_jpeg)]));
}

/** The tenant's own price table; null when it has none (the caller applies the default) or there is no such tenant. */
export async function getPriceTable(db: Db, tenantId: string): Promise<PriceTable | null> {
  const [row] = await db.query<{ price_table: PriceTable | null }>('SELECT price_table FROM tenants WHERE id = $1', [tenantId]);
  return row?.price_table ?? null;
}

/** Sets (null: clears, back to the default) the tenant's price table; false when there is no such tenant. */
export async function setPriceTable(db: Db, tenantId: string, table: PriceTable | null): Promise<boolean> {
  const rows = await db.query('UPDATE tenants SET price_table = $2::jsonb WHERE id = $1 RETURNING id', [
    tenantId, table === null ? null : JSON.stringify(table),
  ]);
  return rows.length > 0;
}

/** The site's roof; null when it has none drawn or there is no such site. */
export async function getSiteRoof(db: Db, tenantId: string, siteId: string): Promise<SiteRoof | null> {
  const [row] = await db.query<{ roof: SiteRoof | null }>('SELECT roof FROM sites WHERE tenant_id = $1 AND id = $2', [tenantId, siteId]);
  return row?.roof ?? null;
}

/** Sets (null: clears) a site's roof; false when there is no such site. */
export async function setSiteRoof(db: Db, tenantId: string, siteId: string, roof: SiteRoof | null): Promise<boolean> {
  const rows = await db.query('UPDATE sites SET roof = $3::jsonb WHERE tenant_id = $1 AND id = $2 RETURNING id', [
    tenantId, siteId, roof === null ? null : JSON.stringify(roof),
  ]);
  return rows.length > 0;
}

function toStoredFinding(r: FindingRow): StoredFinding {
  return {
    id: r.id,
    inspectionId: r.inspection_id,
    jobId: r.job_id,
    siteId: r.site_id,
    className: r.class_name,
    severity: r.severity,
    confidence: r.confidence,
    lat: r.lat,
    lon: r.lon,
    footprint: r.footprint,
    areaM2: r.area_m2,
    outsideRoof: r.outside_roof,
    views: r.views,
    hasCrop: r.has_crop,
  };
}

/**
 * The tenant's map layer: the findings of the newest finished inspection of each site (a re-flown roof replaces the
 * older flight's findings), for at most `maxSites` sites, with the roofs they were judged against.
 */
export async function listLatestFindings(
  db: Db, tenantId: string, maxSites = 200,
): Promise<{ findings: StoredFinding[]; roofs: Array<{ siteId: string; roof: SiteRoof }> }> {
  const latest = `SELECT id, site_id FROM (
      SELECT DISTINCT ON (COALESCE(site_id, id)) id, site_id, processed_at FROM inspections
      WHERE tenant_id = $1 AND status = 'done' ORDER BY COALESCE(site_id, id), processed_at DESC, id DESC
    ) newest ORDER BY processed_at DESC LIMIT $2`;
  const rows = await db.query<FindingRow>(
    `SELECT ${FINDING_COLUMNS} FROM findings
     WHERE tenant_id = $1 AND inspection_id IN (SELECT id FROM (${latest}) l)
     ORDER BY created_at, inspection_id, id`,
    [tenantId, maxSites],
  );
  const roofs = await db.query<{ id: string; roof: SiteRoof }>(
    `SELECT id, roof FROM sites WHERE tenant_id = $1 AND roof IS NOT NULL AND id IN (SELECT site_id FROM (${latest}) l)`,
    [tenantId, maxSites],
  );
  return { findings: rows.map(toStoredFinding), roofs: roofs.map((r) => ({ siteId: r.id, roof: r.roof })) };
}
