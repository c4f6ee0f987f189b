import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { intrinsicsFromProfile, scaleIntrinsics } from '../camera/intrinsics.js';
import type { CameraIntrinsics } from '../types.js';
import { DEFAULT_CAMERA_PROFILE } from '../paths.js';

/**
 * Camera intrinsics by device-profile name, read once from the profile folder (`firmware-configs/`): an image names
 * its profile (`cameraProfile`), the profile's `camera` section gives the pinhole model at the sensor's full size.
 */
export interface CameraProfiles {
  /** Intrinsics for an image of this size; a resized image gets the profile scaled to it. Null: unknown profile. */
  forImage(profile: string | undefined, width: number, height: number): CameraIntrinsics | null;
  readonly names: readonly string[];
}

export async function loadCameraProfiles(dir: string): Promise<CameraProfiles> {
  const byName = new Map<string, CameraIntrinsics>();
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.json')).sort()) {
    const doc = JSON.parse(await readFile(join(dir, file), 'utf8')) as { camera?: unknown };
    if (!isCameraSection(doc.camera)) continue;
    byName.set(file.slice(0, -'.json'.length), intrinsicsFromProfile(doc.camera));
  }
  return cameraProfilesOf(byName);
}

export function cameraProfilesOf(byName: ReadonlyMap<string, CameraIntrinsics>): CameraProfiles {
  return {
    names: [...byName.keys()],
    forImage(profile, width, height) {
      const cam = byName.get(profile ?? DEFAULT_CAMERA_PROFILE);
      if (!cam) return null;
      return cam.width === width && cam.height === height ? cam : scaleIntrinsics(cam, width, height);
    },
  };
}

type CameraSection = Parameters<typeof intrinsicsFromProfile>[0];
function isCameraSection(c: unknown): c is CameraSection {
  const s = c as { image?: { widthPx?: unknown }; intrinsics?: { fx?: unknown } } | undefined;
  return typeof s?.image?.widthPx === 'number' && typeof s.intrinsics?.fx === 'number';
}
