import { TypeCompiler } from '@sinclair/typebox/compiler';
import { DeviceProfile } from './device-profile.js';
import { profileRuleProblems } from './profile-rules.js';
import { schemaProblems } from './schema-problems.js';

export type ProfileValidation = { ok: true; profile: DeviceProfile } | { ok: false; problems: string[] };

const check = TypeCompiler.Compile(DeviceProfile);

/** Schema first, then the cross-field rules; lists every problem so one round trip fixes a file. */
export function validateProfile(value: unknown): ProfileValidation {
  if (!check.Check(value)) return { ok: false, problems: schemaProblems(DeviceProfile, value) };
  const problems = profileRuleProblems(value);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, profile: value };
}

/** Largest profile accepted from the network: the defaults are ~2 KiB. */
export const MAX_PROFILE_BYTES = 64 * 1024;

/** Parses and validates a profile as it arrives (file contents or an MQTT payload). Never throws. */
export function parseProfile(text: string | Uint8Array): ProfileValidation {
  const bytes = typeof text === 'string' ? Buffer.byteLength(text) : text.byteLength;
  if (bytes > MAX_PROFILE_BYTES) return { ok: false, problems: [`/: ${bytes} bytes exceeds ${MAX_PROFILE_BYTES}`] };
  let value: unknown;
  try {
    value = JSON.parse(typeof text === 'string' ? text : Buffer.from(text.buffer, text.byteOffset, text.byteLength).toString('utf8'));
  } catch (err) {
    return { ok: false, problems: [`/: not JSON (${(err as Error).message})`] };
  }
  return validateProfile(value);
}
