import { createHash } from 'node:crypto';
import { FieldtraceError } from '@fieldtrace/service-kit';
import {
  lawnmowerPoses, loadCameraProfiles, makeRoofScene, renderShots, roofOutlineLonLat, SHIPPED_PROFILE_DIR,
} from '@fieldtrace/inspection';

/** The demo tenant's drone inspection: one job whose roof was "flown" with synthetic pictures. */
export const DEMO_INSPECTION_JOB = 'demo-roof-inspection';

/**
 * Gives the demo tenant a roof inspection to look at: a roof record on its first site, a job, and a survey flight of
 * synthetic pictures (procedurally drawn shingles with hail, missing and lifted shingles) uploaded through the API
 * like a ground station's, then queued for the inspection worker. The map then shows the roof and its findings,
 * and the report is one click away. Runs once per database (the job's existence says it ran).
 */
export async function ensureDemoInspection(apiUrl: string, adminKey: string): Promise<{ created: boolean; images: number }> {
  const json = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' };
  const call = async (method: string, path: string, body: unknown, ok: number[]) => {
    const r = await fetch(`${apiUrl}${path}`, { method, headers: json, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    if (!ok.includes(r.status)) throw new FieldtraceError('FT_PLATFORM_DEMO_INSPECTION', `${method} ${path}: HTTP ${r.status} ${await r.text()}`);
    return r.status === 204 ? null : (await r.json()) as unknown;
  };
  const existing = await fetch(`${apiUrl}/v1/jobs/${DEMO_INSPECTION_JOB}`, { headers: json });
  if (existing.status === 200) return { created: false, images: 0 };
  const sites = (await call('GET', '/v1/sites', undefined, [200])) as Array<{ id: string; location: [number, number] }>;
  const site = sites[0];
  if (!site) return { created: false, images: 0 };

  const origin = { lat: site.location[1], lon: site.location[0] };
  const scene = makeRoofScene({ origin, widthM: 16, depthM: 10, heightM: 4, damages: 6, seed: 2026 });
  await call('PUT', `/v1/sites/${site.id}/roof`, { outline: roofOutlineLonLat(scene), heightM: scene.roof.heightM }, [200]);
  await call('POST', '/v1/jobs', { id: DEMO_INSPECTION_JOB, siteId: site.id, title: 'Drone roof inspection (demo)', serviceS: 1800 }, [201]);

  // A quarter-size picture keeps start-up quick; the worker scales the camera profile to it.
  const cam = (await loadCameraProfiles(SHIPPED_PROFILE_DIR)).forImage('ground-station-default', 1368, 912)!;
  const poses = lawnmowerPoses(origin, { widthM: 16, depthM: 10, altRelM: 14, laneSpacingM: 5, spacingM: 3.5, startTs: Date.now() - 10 * 60_000, speedMps: 3 });
  const shots = await renderShots(scene, cam, poses);
  const imageIds: string[] = [];
  for (let i = 0; i < shots.length; i++) {
    const { jpeg, pose, width, height } = shots[i]!;
    const sha256 = createHash('sha256').update(jpeg).digest('hex');
    const imageId = `demo-roof-${String(i).padStart(3, '0')}-${sha256.slice(0, 12)}`;
    await call('POST', '/v1/images', {
      imageId, byteLength: jpeg.length, sha256, contentType: 'image/jpeg',
      metadata: { ts: pose.ts, lat: pose.lat, lon: pose.lon, altRel: pose.altRel, yaw: pose.yaw, gimbalPitch: pose.gimbalPitch, width, height, cameraProfile: 'ground-station-default' },
    }, [200, 201]);
    const patch = await fetch(`${apiUrl}/v1/images/${imageId}/content`, {
      method: 'PATCH',
      headers: { authorization: json.authorization, 'content-type': 'application/offset+octet-stream', 'upload-offset': '0' },
      body: jpeg,
    });
    if (patch.status !== 204 && patch.status !== 409) {
      throw new FieldtraceError('FT_PLATFORM_DEMO_INSPECTION', `upload ${imageId}: HTTP ${patch.status} ${await patch.text()}`);
    }
    imageIds.push(imageId);
  }
  await call('POST', `/v1/jobs/${DEMO_INSPECTION_JOB}/inspections`, { id: 'demo-flight', imageIds }, [201]);
  return { created: true, images: imageIds.length };
}
