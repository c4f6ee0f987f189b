import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { repoRoot } from '@fieldtrace/testkit';
import type { DeviceProfile } from './device-profile.js';

/** For tests: the folder of shipped profiles and fresh copies of them to mutate. */
export function firmwareConfigsDir(): string {
  return resolve(repoRoot(), 'firmware-configs');
}

export function shippedProfile(id: 'truck-default' | 'ground-station-default'): DeviceProfile {
  return JSON.parse(readFileSync(resolve(firmwareConfigsDir(), `${id}.json`), 'utf8')) as DeviceProfile;
}
