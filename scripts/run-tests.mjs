#!/usr/bin/env node
// Runs every compiled test (`<workspace>/dist/**/*.test.js`) with node's test runner. Node 20 expands no globs
// and uses availableParallelism()-1 = 1 worker on this 2-core machine, hence the explicit list and concurrency.
// Arguments filter by substring: `node scripts/run-tests.mjs ingest` runs only ingest's tests.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { root, workspaces, walk, rel } from './workspaces.mjs';

const filters = process.argv.slice(2);
const files = workspaces()
  .flatMap((w) => [...walk(join(root, w.dir, 'dist'), (p) => p.endsWith('.test.js'))])
  .map(rel)
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error('no compiled tests found: run `npm run build` first');
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--enable-source-maps', '--test', '--test-concurrency=2', ...files], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
