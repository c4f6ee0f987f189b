import { randomBytes } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  Estimate, Id, Inspection, InspectionInput, LonLat, PriceTable, Severity, busTopic,
  type Finding, type ImageDetections, type ImageMetadata, type SiteRoof,
} from '@fieldtrace/protocol';
import { NotFound, defineError } from '@fieldtrace/service-kit';
import {
  countInspectionImages, createInspection, droneTrack, getFindingCrop, getInspection, getPriceTable, getSiteRoof, inspectionUpdate, listFindingCrops,
  listFindings, listInspections, listLatestFindings, readImageRecord, setPriceTable,
  type Db, type ImageFileMetadata, type InspectionImageInput, type InspectionImagePose, type StoredFinding,
} from '@fieldtrace/store';
import { DEFAULT_PRICE_TABLE, estimateFromFindings, renderReportHtml, renderReportPdf, type InspectionReportData } from '@fieldtrace/inspection/report';
import { ADMINS, DISPATCH_WRITERS, READERS, tenantOf } from '../http/auth.js';
import { IdParams, Limit, withProblems } from '../http/schemas.js';
import { ValidationFailed, conflictAs } from '../http/errors.js';
import type { RouteDeps } from './deps.js';

/**
 * Drone roof inspections: a dispatcher asks for one on a job (the images named, and/or a drone's flight window); the
 * stream-processors' worker, woken on bus kind `inspection`, looks at the images and stores findings; here they are
 * read back as GeoJSON, priced with the tenant's price table, and rendered as a report.
 */

const tags = ['inspections'];
/** One flight is tens to a few hundred pictures; a window that catches more was drawn too wide. */
export const MAX_INSPECTION_IMAGES = 2000;
const MAX_WINDOW_MS = 24 * 3_600_000;
/** Image sidecars read at once (shared storage may be a network mount). */
const SIDECAR_CONCURRENCY = 16;
const TRACK_POINTS = 2000;

export const ImagesMissing = defineError('FT_IMAGES_MISSING', 422, (missing: readonly string[], incomplete: readonly string[]) =>
  [
    missing.length > 0 ? `not in the image store (upload them through /v1/images first): ${listSome(missing)}` : '',
    incomplete.length > 0 ? `still uploading: ${listSome(incomplete)}` : '',
  ].filter(Boolean).join('; '),
);
export const NoImages = defineError('FT_NO_IMAGES', 422, (why: string) => `nothing to inspect: ${why}`);
export const TooManyImages = defineError('FT_TOO_MANY_IMAGES', 422, (what: string) =>
  `${what}; one inspection takes at most ${MAX_INSPECTION_IMAGES} images: narrow the flight window or name fewer`,
);
export const InspectionNotDone = defineError('FT_INSPECTION_NOT_DONE', 409, (id: string, status: string) =>
  `inspection '${id}' is ${status}; its findings are priced and reported once it is done`,
);

function listSome(ids: readonly string[]): string {
  const shown = ids.slice(0, 10).map((id) => `'${id}'`).join(', ');
  return ids.length > 10 ? `${shown} and ${ids.length - 10} more` : shown;
}

const JobParams = Type.Object({ jobId: Id });

const FindingProperties = Type.Object({
  id: Type.String(),
  kind: Type.Literal('finding'),
  className: Type.String(),
  severity: Severity,
  confidence: Type.Number(),
  areaM2: Type.Number(),
  outsideRoof: Type.Boolean(),
  inspectionId: Type.String(),
  /** How many images saw it. */
  views: Type.Integer(),
  lat: Type.Number(),
  lon: Type.Number(),
  cropUrl: Type.Union([Type.String(), Type.Null()]),
});
const RoofProperties = Type.Object({
  kind: Type.Literal('roof'),
  siteId: Type.String(),
  heightM: Type.Number(),
  areaM2: Type.Union([Type.Number(), Type.Null()]),
});
const PolygonFeature = <P extends typeof FindingProperties | typeof RoofProperties>(properties: P) => Type.Object({
  type: Type.Literal('Feature'),
  id: Type.String(),
  geometry: Type.Object({ type: Type.Literal('Polygon'), coordinates: Type.Array(Type.Array(LonLat)) }),
  properties,
});
/** RFC 7946: positions are [lon, lat]; the roof (when the site has one) comes first so a map draws it underneath. */
export const FindingsCollection = Type.Object({
  type: Type.Literal('FeatureCollection'),
  features: Type.Array(Type.Union([PolygonFeature(RoofProperties), PolygonFeature(FindingProperties)])),
});
type FindingsCollection = Static<typeof FindingsCollection>;

const PriceSettings = Type.Composite([
  PriceTable,
  Type.Object({ isDefault: Type.Boolean({ description: 'true: the tenant has not set its own table; these are illustrative prices' }) }),
]);

export interface InspectionRouteOptions extends RouteDeps {
  /** The image store (config IMAGE_DIR); without it only edge results can be inspected. */
  imageDir?: string | undefined;
}

export const inspectionRoutes: FastifyPluginAsyncTypebox<InspectionRouteOptions> = async (app, { db, bus, clock, imageDir }) => {
  app.post('/jobs/:jobId/inspections', {
    config: { access: { roles: DISPATCH_WRITERS } },
    schema: {
      tags,
      summary: 'Inspect the roof of a job\'s site from drone images (queued for the inspection worker)',
      description:
        'The images are those named in `imageIds` (uploaded through /v1/images) plus, with `deviceId`, those the ' +
        "ground station announced (uplink `image`) or already looked at (uplink `detections`) between `from` and `to` " +
        "(default: the job's arrival, and its departure or now). 422 naming any named image not in the image store, " +
        'or when there is nothing to look at.',
      params: JobParams,
      body: InspectionInput,
      response: withProblems({ 201: Inspection }),
    },
  }, async (request, reply) => {
    const tenantId = tenantOf(request);
    const { jobId } = request.params;
    const input = request.body;
    const now = clock.now();
    const [job] = await db.query<{ site_id: string; arrived_at: Date | null; departed_at: Date | null }>(
      'SELECT site_id, arrived_at, departed_at FROM jobs WHERE tenant_id = $1 AND id = $2',
      [tenantId, jobId],
    );
    if (!job) throw NotFound(['job', jobId]);
    const flight = await flightWindow(db, tenantId, input, job, now);
    const images = await gatherImages(db, imageDir, tenantId, input.imageIds ?? [], flight);
    if (images.length === 0) {
      throw NoImages([flight
        ? `device '${flight.deviceId}' sent no images between ${new Date(flight.from).toISOString()} and ${new Date(flight.to).toISOString()}`
        : 'name imageIds, or a deviceId whose flight window holds its images']);
    }
    if (images.length > MAX_INSPECTION_IMAGES) throw TooManyImages([`${images.length} images`]);

    const id = input.id ?? `insp-${now.toString(36)}-${randomBytes(4).toString('hex')}`;
    const inspection = await conflictAs('inspection', id, () => createInspection(db, tenantId, {
      id, jobId, siteId: job.site_id, deviceId: flight?.deviceId ?? null, from: flight?.from ?? null, to: flight?.to ?? null,
      createdAt: now, images,
    }));
    // Wakes the worker (it also polls, for a bus that did not carry this) and tells the live map.
    bus.publish(busTopic(tenantId, 'inspection'), inspectionUpdate(inspection, 0, now));
    request.log.info({ inspectionId: id, jobId, images: images.length, edge: images.filter((i) => i.source === 'edge').length }, 'inspection queued');
    return reply.code(201).send(inspection);
  });

  app.get('/jobs/:jobId/inspections', {
    config: { access: { roles: READERS } },
    schema: {
      tags,
      summary: "A job's inspections, newest first",
      params: JobParams,
      querystring: Type.Object({ limit: Type.Optional(Limit(50, 500)) }),
      response: withProblems({ 200: Type.Array(Inspection) }),
    },
  }, async (request) => {
    const tenantId = tenantOf(request);
    const { jobId } = request.params;
    await assertJob(db, tenantId, jobId);
    return listInspections(db, tenantId, { jobId, limit: request.query.limit ?? 50 });
  });

  app.get('/inspections/:id', {
    config: { access: { roles: READERS } },
    schema: { tags, summary: 'An inspection and its status', params: IdParams, response: withProblems({ 200: Inspection }) },
  }, async (request) => loadInspection(db, tenantOf(request), request.params.id));

  app.get('/jobs/:jobId/findings', {
    config: { access: { roles: READERS } },
    schema: {
      tags,
      summary: "Findings of all the job's inspections, with the site's roof, as GeoJSON (application/geo+json)",
      params: JobParams,
      response: withProblems({ 200: FindingsCollection }),
    },
  }, async (request, reply) => {
    const tenantId = tenantOf(request);
    const { jobId } = request.params;
    const [job] = await db.query<{ site_id: string; roof: SiteRoof | null }>(
      'SELECT j.site_id, s.roof FROM jobs j LEFT JOIN sites s ON s.tenant_id = j.tenant_id AND s.id = j.site_id WHERE j.tenant_id = $1 AND j.id = $2',
      [tenantId, jobId],
    );
    if (!job) throw NotFound(['job', jobId]);
    const findings = await listFindings(db, tenantId, { jobId });
    return reply.type('application/geo+json').send(findingsCollection(findings, job.roof ? [{ siteId: job.site_id, roof: job.roof }] : []));
  });

  app.get('/findings.geojson', {
    config: { access: { roles: READERS } },
    schema: {
      tags,
      summary: 'The map layer: findings of the newest finished inspection of each site, with the roofs (application/geo+json)',
      response: withProblems({ 200: FindingsCollection }),
    },
  }, async (request, reply) => {
    const { findings, roofs } = await listLatestFindings(db, tenantOf(request));
    return reply.type('application/geo+json').send(findingsCollection(findings, roofs));
  });

  app.get('/inspections/:id/findings', {
    config: { access: { roles: READERS } },
    schema: {
      tags,
      summary: "An inspection's findings, with the site's roof, as GeoJSON (application/geo+json)",
      params: IdParams,
      response: withProblems({ 200: FindingsCollection }),
    },
  }, async (request, reply) => {
    const tenantId = tenantOf(request);
    const inspection = await loadInspection(db, tenantId, request.params.id);
    const findings = await listFindings(db, tenantId, { inspectionId: inspection.id });
    const roof = inspection.siteId ? await getSiteRoof(db, tenantId, inspection.siteId) : null;
    return reply.type('application/geo+json').send(findingsCollection(findings, roof && inspection.siteId ? [{ siteId: inspection.siteId, roof }] : []));
  });

  app.get('/findings/:id/crop.jpg', {
    config: { access: { roles: READERS } },
    schema: { tags, summary: "A finding's annotated crop (JPEG); 404 when it has none", params: IdParams },
  }, async (request, reply) => {
    const crop = await getFindingCrop(db, tenantOf(request), request.params.id);
    if (!crop) throw NotFound(['crop of finding', request.params.id]);
    return reply.type('image/jpeg').header('x-content-type-options', 'nosniff').send(crop);
  });

  app.get('/inspections/:id/estimate', {
    config: { access: { roles: READERS } },
    schema: {
      tags,
      summary: "A suggested estimate from the inspection's findings and the tenant's price table",
      description: 'Findings outside the roof are not priced; classes the table does not price are listed in `unpriced`. 409 until the inspection is done.',
      params: IdParams,
      response: withProblems({ 200: Estimate }),
    },
  }, async (request) => {
    const tenantId = tenantOf(request);
    const inspection = await loadInspection(db, tenantId, request.params.id);
    if (inspection.status !== 'done') throw InspectionNotDone([inspection.id, inspection.status]);
    const findings = (await listFindings(db, tenantId, { inspectionId: inspection.id })).map(asFinding);
    return estimateFromFindings(findings, (await getPriceTable(db, tenantId)) ?? DEFAULT_PRICE_TABLE);
  });

  app.get('/inspections/:id/report.html', {
    config: { access: { roles: READERS } },
    schema: { tags, summary: 'The inspection report as one self-contained HTML page (409 until done)', params: IdParams },
  }, async (request, reply) => {
    const data = await reportData(db, tenantOf(request), request.params.id, clock.now());
    return reply
      .type('text/html; charset=utf-8')
      // The page carries customer-entered text: nothing in it may run or load anything (crops are data: URIs).
      .header('content-security-policy', "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:")
      .header('x-content-type-options', 'nosniff')
      .send(renderReportHtml(data));
  });

  app.get('/inspections/:id/report.pdf', {
    config: { access: { roles: READERS } },
    schema: { tags, summary: 'The inspection report as PDF (409 until done)', params: IdParams },
  }, async (request, reply) => {
    const data = await reportData(db, tenantOf(request), request.params.id, clock.now());
    const pdf = await renderReportPdf(data);
    return reply
      .type('application/pdf')
      .header('content-disposition', `inline; filename="inspection-${data.inspection.id}.pdf"`)
      .send(pdf);
  });

  app.get('/settings/prices', {
    config: { access: { roles: READERS } },
    schema: {
      tags,
      summary: "The tenant's repair price table (the illustrative default until an admin sets one)",
      response: withProblems({ 200: PriceSettings }),
    },
  }, async (request) => {
    const table = await getPriceTable(db, tenantOf(request));
    return { ...(table ?? DEFAULT_PRICE_TABLE), isDefault: table === null };
  });

  app.put('/settings/prices', {
    config: { access: { roles: ADMINS } },
    schema: {
      tags,
      summary: "Set the tenant's repair price table",
      description: 'One entry per finding class (a class listed twice is refused). Estimates use the table current when they are asked for.',
      body: PriceTable,
      response: withProblems({ 200: PriceSettings }),
    },
  }, async (request) => {
    const tenantId = tenantOf(request);
    const table = request.body;
    const seen = new Set<string>();
    table.entries.forEach((e, i) => {
      if (seen.has(e.className)) throw ValidationFailed([`body/entries/${i}/className`, `'${e.className}' is priced twice`]);
      seen.add(e.className);
    });
    if (!(await setPriceTable(db, tenantId, table))) throw NotFound(['tenant', tenantId]);
    return { ...table, isDefault: false };
  });
};

async function assertJob(db: Db, tenantId: string, jobId: string): Promise<void> {
  const rows = await db.query('SELECT 1 FROM jobs WHERE tenant_id = $1 AND id = $2', [tenantId, jobId]);
  if (rows.length === 0) throw NotFound(['job', jobId]);
}

async function loadInspection(db: Db, tenantId: string, id: string): Promise<Inspection> {
  const inspection = await getInspection(db, tenantId, id);
  if (!inspection) throw NotFound(['inspection', id]);
  return inspection;
}

interface Flight {
  deviceId: string;
  from: number;
  to: number;
}

/** The drone's flight window, when the request names a drone; from/to default to the job's arrival and departure. */
async function flightWindow(
  db: Db, tenantId: string, input: InspectionInput, job: { arrived_at: Date | null; departed_at: Date | null }, now: number,
): Promise<Flight | null> {
  if (!input.deviceId) {
    if (input.from !== undefined || input.to !== undefined) {
      throw ValidationFailed(['body/deviceId', "from and to select a drone's images: name the device (its ground station)"]);
    }
    return null;
  }
  const from = input.from ?? job.arrived_at?.getTime();
  if (from === undefined) throw ValidationFailed(['body/from', 'required: the job has no arrival time to default to']);
  const to = input.to ?? job.departed_at?.getTime() ?? now;
  if (to < from) throw ValidationFailed(['body/to', 'is before from']);
  if (to - from > MAX_WINDOW_MS) throw ValidationFailed(['body/to', 'a flight window is at most 24 hours']);
  const known = await db.query('SELECT 1 FROM devices WHERE tenant_id = $1 AND id = $2', [tenantId, input.deviceId]);
  if (known.length === 0) throw ValidationFailed(['body/deviceId', `device '${input.deviceId}' does not exist`]);
  return { deviceId: input.deviceId, from, to };
}

const POSE_FIELDS = ['lat', 'lon', 'altRel', 'roll', 'pitch', 'yaw', 'gimbalPitch', 'gimbalYaw', 'width', 'height', 'cameraProfile'] as const;

function poseOf(source: Partial<Record<(typeof POSE_FIELDS)[number], unknown>>): InspectionImagePose {
  const pose: Record<string, unknown> = {};
  for (const k of POSE_FIELDS) if (source[k] !== undefined && source[k] !== null) pose[k] = source[k];
  return pose as InspectionImagePose;
}

interface Candidate {
  ts?: number;
  /** Field by field, later sources win: edge results < the `image` uplink < the uploader's sidecar. */
  pose: InspectionImagePose;
  edge?: { detections: ImageDetections['detections']; model: string; lookedAt: number };
}

/**
 * The images an inspection covers, each with the best pose known for it. Named images must be complete in the image
 * store; the flight's images come from the ground station's uplink (announcements and edge results), with any
 * sidecar the image store holds for them. An announced image whose bytes never arrived is kept: the worker counts it
 * as missing rather than the request failing for a picture the station may still upload.
 */
async function gatherImages(
  db: Db, imageDir: string | undefined, tenantId: string, named: readonly string[], flight: Flight | null,
): Promise<InspectionImageInput[]> {
  const candidates = new Map<string, Candidate>();
  const candidate = (id: string) => {
    let c = candidates.get(id);
    if (!c) candidates.set(id, (c = { pose: {} }));
    return c;
  };
  if (flight) {
    // Rows come in time order, so a station's later re-run of the model on an image wins over its first.
    const limit = 2 * MAX_INSPECTION_IMAGES;
    const rows = await db.query<{ kind: 'image' | 'detections'; ts: Date; body: ImageMetadata | ImageDetections }>(
      `SELECT kind, ts, body FROM device_messages
       WHERE tenant_id = $1 AND device_id = $2 AND kind IN ('image', 'detections')
         AND ts >= to_timestamp($3::bigint / 1000.0) AND ts <= to_timestamp($4::bigint / 1000.0)
       ORDER BY ts, seq
       LIMIT $5`,
      [tenantId, flight.deviceId, flight.from, flight.to, limit + 1],
    );
    if (rows.length > limit) throw TooManyImages([`the flight window holds more than ${limit} image messages`]);
    for (const r of rows.filter((row) => row.kind === 'detections')) {
      const d = r.body as ImageDetections;
      const c = candidate(d.imageId);
      c.ts = d.ts;
      c.pose = { ...c.pose, ...poseOf({ lat: d.lat, lon: d.lon, altRel: d.altRel, width: d.width, height: d.height }) };
      c.edge = { detections: d.detections, model: d.model, lookedAt: r.ts.getTime() };
    }
    for (const r of rows.filter((row) => row.kind === 'image')) {
      const m = r.body as ImageMetadata;
      const c = candidate(m.imageId);
      c.ts = m.ts;
      c.pose = { ...c.pose, ...poseOf(m) };
    }
  }
  const namedSet = new Set(named);
  for (const id of named) candidate(id);

  const ids = [...candidates.keys()];
  const sidecars = imageDir
    ? await mapLimit(ids, SIDECAR_CONCURRENCY, (id) => readImageRecord(imageDir, tenantId, id))
    : ids.map(() => null);
  const missing: string[] = [];
  const incomplete: string[] = [];
  const images: InspectionImageInput[] = [];
  ids.forEach((id, i) => {
    const c = candidates.get(id)!;
    const record = sidecars[i] ?? null;
    if (namedSet.has(id)) {
      if (!record) missing.push(id);
      else if (record.status !== 'complete') incomplete.push(id);
    }
    const metadata: ImageFileMetadata | null = record?.metadata ?? null;
    const pose = metadata ? { ...c.pose, ...poseOf(metadata) } : c.pose;
    const ts = metadata?.ts ?? c.ts;
    if (ts === undefined) return; // only a named image lacks one, and it is reported missing
    images.push(c.edge
      ? { imageId: id, ts, pose, source: 'edge', detections: c.edge.detections, model: c.edge.model, lookedAt: c.edge.lookedAt }
      : { imageId: id, ts, pose, source: 'upload' });
  });
  if (missing.length > 0 || incomplete.length > 0) throw ImagesMissing([missing, incomplete]);
  return images;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function asFinding({ hasCrop: _hasCrop, ...finding }: StoredFinding): Finding {
  return finding;
}

function findingsCollection(findings: readonly StoredFinding[], roofs: ReadonlyArray<{ siteId: string; roof: SiteRoof }>): FindingsCollection {
  const features: FindingsCollection['features'] = [];
  for (const { siteId, roof } of roofs) {
    features.push({
      type: 'Feature',
      id: `roof-${siteId}`,
      geometry: { type: 'Polygon', coordinates: [roof.outline] },
      properties: { kind: 'roof', siteId, heightM: roof.heightM, areaM2: roof.areaM2 ?? null },
    });
  }
  for (const f of findings) {
    features.push({
      type: 'Feature',
      id: f.id,
      geometry: { type: 'Polygon', coordinates: [f.footprint] },
      properties: {
        id: f.id, kind: 'finding', className: f.className, severity: f.severity, confidence: f.confidence, areaM2: f.areaM2,
        outsideRoof: f.outsideRoof, inspectionId: f.inspectionId, views: f.views.length, lat: f.lat, lon: f.lon,
        cropUrl: f.hasCrop ? `/v1/findings/${f.id}/crop.jpg` : null,
      },
    });
  }
  return { type: 'FeatureCollection', features };
}

/** Everything the report shows, read in a handful of queries; 409 until the inspection is done. */
async function reportData(db: Db, tenantId: string, id: string, now: number): Promise<InspectionReportData> {
  const inspection = await loadInspection(db, tenantId, id);
  if (inspection.status !== 'done') throw InspectionNotDone([inspection.id, inspection.status]);
  const [ctx] = await db.query<{
    tenant_name: string; job_title: string | null; site_name: string | null; address: string | null; roof: SiteRoof | null;
    customer_name: string | null;
  }>(
    `SELECT t.name AS tenant_name, j.title AS job_title, s.name AS site_name, s.address, s.roof, c.name AS customer_name
     FROM tenants t
     LEFT JOIN jobs j ON j.tenant_id = t.id AND j.id = $2
     LEFT JOIN sites s ON s.tenant_id = t.id AND s.id = $3
     LEFT JOIN customers c ON c.tenant_id = t.id AND c.id = s.customer_id
     WHERE t.id = $1`,
    [tenantId, inspection.jobId, inspection.siteId],
  );
  if (!ctx) throw NotFound(['tenant', tenantId]);
  const [stored, crops, images, prices] = await Promise.all([
    listFindings(db, tenantId, { inspectionId: inspection.id }),
    listFindingCrops(db, tenantId, inspection.id),
    countInspectionImages(db, tenantId, inspection.id),
    getPriceTable(db, tenantId),
  ]);
  const findings = stored.map(asFinding);
  const track = inspection.deviceId && inspection.from !== null && inspection.to !== null
    ? await droneTrack(db, tenantId, inspection.deviceId, inspection.from, inspection.to, TRACK_POINTS)
    : [];
  return {
    generatedAt: new Date(now),
    tenantName: ctx.tenant_name,
    inspection: {
      id: inspection.id,
      createdAt: inspection.createdAt,
      model: inspection.model,
      imagesUsed: images.lookedAt,
      flight: { from: inspection.from, to: inspection.to },
    },
    job: inspection.jobId ? { id: inspection.jobId, title: ctx.job_title } : null,
    customer: ctx.customer_name ? { name: ctx.customer_name } : null,
    site: { name: ctx.site_name ?? inspection.siteId ?? '—', address: ctx.address, roof: ctx.roof },
    findings,
    estimate: estimateFromFindings(findings, prices ?? DEFAULT_PRICE_TABLE),
    crops,
    track,
  };
}
