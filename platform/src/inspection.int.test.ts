import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, utimesSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, silentLogger, systemClock } from '@fieldtrace/service-kit';
import { haversineM, type Inspection } from '@fieldtrace/protocol';
import { newSecret, sharedFixture, waitFor } from '@fieldtrace/testkit';
import {
  capturePosesFromTrack, damageLonLat, loadCameraProfiles, makeRoofScene, renderShots, roofOutlineLonLat, SHIPPED_PROFILE_DIR,
  viewsOf, type CameraIntrinsics, type CapturePose, type RoofScene, type SceneDamage, type TrackPoint,
} from '@fieldtrace/inspection';
import { AgentConfig, buildAgent, buildSources, InputsConfig, MavlinkConfig, type Reading } from '@fieldtrace/edge-agent';
import { buildPlatform, type PlatformEndpoints } from './index.js';

const TLOG = sharedFixture('fixtures/mavlink/dronekit-flight.tlog');
const ROOF_HEIGHT_M = 2.5;

/** The real flight's track as the ground station's MAVLink source reads it (the same code a station runs). */
async function droneTrack(): Promise<TrackPoint[]> {
  const env = { GPS_SOURCE: 'none', MAVLINK_ENABLED: 'true', MAVLINK_LINK: 'tlog', MAVLINK_FILE: TLOG, MAVLINK_REPLAY_SPEED: '0', LOG_LEVEL: 'silent' };
  const [source] = await buildSources(loadConfig(InputsConfig, env), loadConfig(MavlinkConfig, env), { clock: systemClock, logger: silentLogger });
  const track: TrackPoint[] = [];
  let last = 0;
  await source!.start((r: Reading) => {
    if (r.kind === 'drone') track.push(r.body);
    last = Date.now();
  });
  await waitFor('the tlog replayed', () => track.length > 2000 && Date.now() - last > 500, 30_000, 100);
  await source!.close();
  return track;
}

/**
 * A garage-sized roof under the real flight, and damage placed where the pictures see it: three patches on the part
 * of the roof the site's record covers and one on an extension it does not (so its finding must come out flagged).
 */
function flightScene(cam: CameraIntrinsics, poses: readonly CapturePose[]): { scene: RoofScene; recordedOutline: Array<[number, number]>; truths: Array<SceneDamage & { lat: number; lon: number; recorded: boolean }> } {
  const origin = { lat: poses.reduce((s, p) => s + p.lat, 0) / poses.length, lon: poses.reduce((s, p) => s + p.lon, 0) / poses.length };
  const scene = makeRoofScene({ origin, widthM: 14, depthM: 9, heightM: ROOF_HEIGHT_M, damages: 0, seed: 11 });
  const kinds: SceneDamage['kind'][] = ['missing_shingle', 'hail', 'lifted_shingle', 'hail'];
  const candidates: Array<{ east: number; north: number; views: number }> = [];
  for (let east = -6; east <= 6; east += 0.5) {
    for (let north = -3.5; north <= 3.5; north += 0.5) {
      const probe = damageLonLat(scene, { kind: 'hail', east, north, sizeM: 0.4, angleDeg: 0, seed: 0 });
      candidates.push({ east, north, views: viewsOf(cam, poses, probe.lat, probe.lon, ROOF_HEIGHT_M, 120) });
    }
  }
  const chosen: Array<{ east: number; north: number }> = [];
  const pick = (inRecorded: boolean) => {
    const pool = candidates
      .filter((c) => c.views >= 2 && (inRecorded ? c.east <= 1.5 : c.east >= 3.5))
      .filter((c) => chosen.every((o) => Math.hypot(o.east - c.east, o.north - c.north) >= 3));
    const best = pool.sort((a, b) => b.views - a.views || a.east - b.east || a.north - b.north)[0];
    assert.ok(best, 'the flight sees enough of the roof to place damage');
    chosen.push(best);
  };
  pick(true); pick(true); pick(true); pick(false);
  scene.damages = chosen.map((c, i) => ({ kind: kinds[i]!, east: c.east, north: c.north, sizeM: kinds[i] === 'hail' ? 0.55 : 0.6, angleDeg: scene.roof.yawDeg, seed: 100 + i }));
  // The site's roof record: the main roof only (west of 2.5 m east); the extension beyond is not in it.
  const outline = roofOutlineLonLat(scene);
  const lons = outline.map((p) => p[0]);
  const west = Math.min(...lons);
  const cutLon = west + ((Math.max(...lons) - west) * (7 + 2.5)) / 14;
  const lats = outline.map((p) => p[1]);
  const [s, n] = [Math.min(...lats), Math.max(...lats)];
  const recordedOutline: Array<[number, number]> = [[west, s], [cutLon, s], [cutLon, n], [west, n], [west, s]];
  const truths = scene.damages.map((d) => ({ ...d, ...damageLonLat(scene, d), recorded: d.east <= 2.5 }));
  return { scene, recordedOutline, truths };
}

interface FindingFeature {
  geometry: { type: string; coordinates: Array<Array<[number, number]>> };
  properties: { kind: string; id?: string; className?: string; outsideRoof?: boolean; inspectionId?: string };
}

test('a drone flight (real dronekit tlog poses, synthetic roof pictures) becomes findings on the job, a map layer and a PDF report', { timeout: 300_000 }, async (t) => {
  const track = await droneTrack();
  // The pilot flew all over the field; the roof goes where the airborne poses are densest, and the pictures are those
  // taken within 7 m of it (a roof survey is flown over the roof).
  const airborne = capturePosesFromTrack(track, { minAltRelM: 6, minGapMs: 1500, max: 1000 });
  const poses = posesOverDensestSpot(airborne, 7, 12);
  assert.ok(poses.length >= 8, `${poses.length} of ${airborne.length} airborne poses over the roof`);
  // A quarter-size picture (1368 × 912) keeps the test quick; the pipeline scales the profile's intrinsics to it.
  const cam = (await loadCameraProfiles(SHIPPED_PROFILE_DIR)).forImage('ground-station-default', 1368, 912)!;
  const { scene, recordedOutline, truths } = flightScene(cam, poses);
  const shots = await renderShots(scene, cam, poses);

  const work = mkdtempSync(join(tmpdir(), 'ft-inspection-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const platform = await buildPlatform({
    DATA_DIR: ':memory:', HTTP_PORT: '0', MQTT_PORT: '0', INGEST_HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', MQTT_HOST: '127.0.0.1',
    SIM_TRUCKS: '0', SIM_DRONES: '0', TENANT_ID: 'roofers', LOG_LEVEL: 'silent', IMAGE_DIR: join(work, 'image-store'), INSPECTION_POLL_MS: '500',
    // One onnxruntime thread: the test suite runs two files at once on this 2-core machine.
    INSPECTION_THREADS: '1',
  }, { logger: silentLogger, clock: systemClock });
  const endpoints: PlatformEndpoints = await platform.start();
  t.after(() => platform.close());
  const api = {
    ...apiClient(endpoints),
    /** How many messages of a kind the platform stored for a device. */
    async messages(deviceId: string, kind: string): Promise<number> {
      const [row] = await platform.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM device_messages WHERE tenant_id = $1 AND device_id = $2 AND kind = $3', [endpoints.tenantId, deviceId, kind]);
      return row?.n ?? 0;
    },
  };

  // The customer's site with its roof record, a job, and the ground station with its keys.
  const site = scene.origin;
  await api.ok('POST', '/v1/sites', { id: 'smith-garage', name: 'Smith garage', location: [site.lon, site.lat], radiusM: 60 }, 201);
  await api.ok('PUT', '/v1/sites/smith-garage/roof', { outline: recordedOutline, heightM: ROOF_HEIGHT_M }, 200);
  await api.ok('POST', '/v1/jobs', { id: 'roof-inspection', siteId: 'smith-garage', title: 'Storm damage inspection' }, 201);
  const { key: uploaderKey } = await api.ok('POST', '/v1/api-keys', { name: 'ground station uploads', role: 'device-provisioning' }, 201) as { key: string };

  async function fly(deviceId: string, extra: Record<string, string>): Promise<void> {
    const secret = newSecret();
    await api.ok('POST', '/v1/devices', { id: deviceId, kind: 'ground-station', secret }, 201);
    const pictures = join(work, deviceId, 'pictures');
    mkdirSync(pictures, { recursive: true });
    const env = {
      MQTT_URL: endpoints.mqttUrl, TENANT_ID: endpoints.tenantId, DEVICE_ID: deviceId, DEVICE_SECRET: secret, DEVICE_KIND: 'ground-station',
      QUEUE_DIR: join(work, deviceId, 'queue'), ADAPTIVE_FILTER: 'false', LAST_WILL: 'false', LOG_LEVEL: 'silent',
      GPS_SOURCE: 'none', MAVLINK_ENABLED: 'true', MAVLINK_LINK: 'tlog', MAVLINK_FILE: TLOG, MAVLINK_REPLAY_SPEED: '0',
      IMAGERY_DIR: pictures, IMAGERY_API_URL: endpoints.apiUrl, IMAGERY_API_KEY: uploaderKey, ...extra,
    };
    const sources = await buildSources(loadConfig(InputsConfig, env), loadConfig(MavlinkConfig, env), { clock: systemClock, logger: silentLogger }, {
      tenantId: endpoints.tenantId, deviceId, queueDir: env.QUEUE_DIR,
    });
    const agent = buildAgent(loadConfig(AgentConfig, env), { logger: silentLogger, clock: systemClock, sources });
    t.after(() => agent.close());
    await agent.start();
    // The autopilot log replays first; then the card is copied off (the files carry no EXIF: their time is the shutter's).
    await waitFor(`${deviceId}: the flight's telemetry stored`, async () => (await api.messages(deviceId, 'drone')) > 2000, 60_000, 250);
    for (let i = 0; i < shots.length; i++) {
      const file = join(pictures, `IMG_${String(i).padStart(4, '0')}.jpg`);
      writeFileSync(file, shots[i]!.jpeg);
      utimesSync(file, shots[i]!.pose.ts / 1000, shots[i]!.pose.ts / 1000);
    }
    const kind = extra.IMAGERY_INFERENCE === 'edge' ? 'detections' : 'image';
    await waitFor(`${deviceId}: every picture announced`, async () => (await api.messages(deviceId, kind)) >= shots.length, 120_000, 250);
  }

  async function inspect(deviceId: string): Promise<{ inspection: Inspection; features: FindingFeature[] }> {
    const created = await api.ok('POST', '/v1/jobs/roof-inspection/inspections', {
      id: `flight-${deviceId}`, deviceId, from: shots[0]!.pose.ts - 1000, to: shots.at(-1)!.pose.ts + 1000,
    }, 201) as Inspection;
    assert.equal(created.imageIds.length, shots.length, 'every picture of the flight is in the inspection');
    const inspection = await waitFor('the inspection processed', async () => {
      const i = await api.ok('GET', `/v1/inspections/${created.id}`, undefined, 200) as Inspection;
      return i.status === 'done' || i.status === 'failed' ? i : undefined;
    }, 180_000, 500);
    assert.equal(inspection.status, 'done', inspection.error ?? '');
    const collection = await api.ok('GET', `/v1/inspections/${created.id}/findings`, undefined, 200) as { features: FindingFeature[] };
    return { inspection, features: collection.features };
  }

  function assertFindings(features: FindingFeature[]): void {
    const findings = features.filter((f) => f.properties.kind === 'finding');
    for (const truth of truths) {
      const near = findings.filter((f) => {
        const [lon, lat] = centroid(f.geometry.coordinates[0]!);
        return f.properties.className === truth.kind && haversineM(lat, lon, truth.lat, truth.lon) <= 1.0;
      });
      assert.ok(near.length >= 1, `a ${truth.kind} finding within 1 m of the damage at (${truth.east}, ${truth.north}); got ${JSON.stringify(findings.map((f) => [f.properties.className, centroid(f.geometry.coordinates[0]!)]))}`);
      assert.ok(near.every((f) => f.properties.outsideRoof === !truth.recorded), `the ${truth.kind} finding is ${truth.recorded ? 'on' : 'outside'} the recorded roof`);
    }
    // The demo model is a small patch classifier: it also fires on a vent or a roof edge now and then. What is priced
    // (findings on the recorded roof) must be mostly real.
    const falseOnRoof = findings.filter((f) => !f.properties.outsideRoof && !truths.some((truth) => {
      const [lon, lat] = centroid(f.geometry.coordinates[0]!);
      return haversineM(lat, lon, truth.lat, truth.lon) <= 1.5;
    }));
    assert.ok(falseOnRoof.length <= 2, `${falseOnRoof.length} findings on the roof are nowhere near a damage`);
  }

  // Cloud inference: the station uploads every picture; the platform's worker looks at them.
  await fly('drone-cloud', {});
  const cloud = await inspect('drone-cloud');
  assertFindings(cloud.features);
  assert.equal(cloud.inspection.stats?.looked, shots.length, 'the worker looked at every uploaded picture');
  assert.ok(cloud.features.some((f) => f.properties.kind === 'roof'), 'the site roof is in the layer');

  // The map layer (what the dispatcher map draws) and the report on the job.
  const layer = await api.ok('GET', '/v1/findings.geojson', undefined, 200) as { features: FindingFeature[] };
  const ids = new Set(cloud.features.filter((f) => f.properties.kind === 'finding').map((f) => f.properties.id));
  assert.equal(layer.features.filter((f) => f.properties.kind === 'finding' && ids.has(f.properties.id)).length, ids.size);
  const pdf = await api.raw('GET', `/v1/inspections/${cloud.inspection.id}/report.pdf`);
  assert.equal(pdf.status, 200);
  assert.match(pdf.headers.get('content-type') ?? '', /application\/pdf/);
  const bytes = Buffer.from(await pdf.arrayBuffer());
  assert.equal(bytes.subarray(0, 5).toString(), '%PDF-');
  assert.ok(bytes.length > 20_000, `${bytes.length} bytes: the report carries the annotated crops`);
  const estimate = await api.ok('GET', `/v1/inspections/${cloud.inspection.id}/estimate`, undefined, 200) as { total: number; lines: unknown[] };
  assert.ok(estimate.total > 0 && estimate.lines.length >= 2, 'findings on the roof become priced estimate lines');

  // Edge inference over a poor link: the station runs the same model and sends only located detections + thumbnails.
  await fly('drone-edge', { IMAGERY_INFERENCE: 'edge', IMAGERY_UPLOAD: 'findings', INFERENCE_THREADS: '1' });
  const edge = await inspect('drone-edge');
  assertFindings(edge.features);
  assert.equal(edge.inspection.stats?.edge, shots.length, 'every picture came with the station\'s own results');
  assert.equal(edge.inspection.stats?.looked, 0, 'the cloud had no picture to look at');
});

function posesOverDensestSpot(poses: readonly CapturePose[], radiusM: number, max: number): CapturePose[] {
  const near = (a: CapturePose) => poses.filter((b) => haversineM(a.lat, a.lon, b.lat, b.lon) <= radiusM);
  const centre = [...poses].sort((a, b) => near(b).length - near(a).length || a.ts - b.ts)[0]!;
  return near(centre).slice(0, max);
}

function centroid(ring: Array<[number, number]>): [number, number] {
  const pts = ring.slice(0, -1);
  return [pts.reduce((s, p) => s + p[0], 0) / pts.length, pts.reduce((s, p) => s + p[1], 0) / pts.length];
}

function apiClient(endpoints: PlatformEndpoints) {
  const headers = { authorization: `Bearer ${endpoints.tenantAdminKey}`, 'content-type': 'application/json' };
  const raw = (method: string, path: string, body?: unknown) =>
    fetch(`${endpoints.apiUrl}${path}`, { method, headers: body === undefined ? { authorization: headers.authorization } : headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return {
    raw,
    async ok(method: string, path: string, body: unknown, status: number): Promise<unknown> {
      const res = await raw(method, path, body);
      const text = await res.text();
      assert.equal(res.status, status, `${method} ${path}: ${text}`);
      return text ? JSON.parse(text) : null;
    },
  };
}
