#!/usr/bin/env node
// Validates every device profile in this folder against the edge agent's schema and rules.
// Needs the compiled agent: `npx tsc -b edge-agent` first (npm test builds before it runs this).
// Exits 1 listing every problem, so one run tells you everything to fix.
// Usage: node firmware-configs/validate.mjs [folder]   (default: this folder)
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const folder = process.argv[2] ?? dirname(fileURLToPath(import.meta.url));
let profiles;
try {
  profiles = await import('../edge-agent/dist/profiles/index.js');
} catch (err) {
  console.error(`firmware-configs: cannot load the compiled profile schema (${err.message}); run \`npx tsc -b edge-agent\` first`);
  process.exit(2);
}

const files = readdirSync(folder).filter((f) => f.endsWith('.json')).sort();
const problems = [];
for (const file of files) {
  const result = profiles.parseProfile(readFileSync(join(folder, file)));
  if (!result.ok) {
    for (const p of result.problems) problems.push(`${file} ${p}`);
    continue;
  }
  const id = basename(file, '.json');
  if (result.profile.profile !== id) problems.push(`${file} /profile: '${result.profile.profile}' must equal the file name '${id}'`);
}

if (files.length === 0) problems.push('no *.json profiles found');
if (problems.length > 0) {
  console.error(`firmware-configs: ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`firmware-configs: ${files.length} profile(s) valid: ${files.join(', ')}`);
