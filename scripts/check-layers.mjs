#!/usr/bin/env node
// Fails when an import crosses the architecture's table:
//  - services (top-level deployables) import only packages/*, never another service;
//  - packages never import services; protocol imports no Node built-ins (it runs in browsers and on vehicles);
//  - the all-in-one launcher and benchmarks may use a service's public entry point, never its internals;
//  - every @fieldtrace import is declared in the importer's package.json and tsconfig references.
import { readFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { root, workspaces, walk, rel } from './workspaces.mjs';

const all = workspaces();
const byName = new Map(all.map((w) => [w.pkg.name, w]));
const isPackage = (dir) => dir.startsWith('packages/');
const COMPOSERS = new Set(['platform', 'bench']);
const importRe = /(?:^|\n)\s*(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g;

const problems = [];
for (const w of all) {
  const tsconfig = JSON.parse(readFileSync(join(root, w.dir, 'tsconfig.json'), 'utf8'));
  const refs = new Set((tsconfig.references ?? []).map((r) => resolve(root, w.dir, r.path)));
  const declared = { ...w.pkg.dependencies, ...w.pkg.devDependencies };
  for (const file of walk(join(root, w.dir, 'src'), (p) => p.endsWith('.ts'))) {
    const text = readFileSync(file, 'utf8');
    // Test code (tests and the helpers only they use) may use the test kit and Node built-ins anywhere.
    const isTest = /\.test\.ts$|\/test\/|\/test-support[/.]|-fixtures\.ts$/.test(file);
    for (const m of text.matchAll(importRe)) {
      const spec = m[1] ?? m[2] ?? m[3];
      const where = `${rel(file)}: '${spec}'`;
      if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec);
        if (!target.startsWith(join(root, w.dir) + '/')) problems.push(`${where} reaches outside ${w.dir}/ by path`);
        continue;
      }
      if (w.dir === 'packages/protocol' && !isTest && (spec.startsWith('node:') || ['fs', 'path', 'net', 'crypto', 'buffer'].includes(spec))) {
        problems.push(`${where}: protocol must stay free of Node built-ins (it runs in the browser)`);
      }
      if (!spec.startsWith('@fieldtrace/')) continue;
      const [scope, name, ...deep] = spec.split('/');
      const target = byName.get(`${scope}/${name}`);
      if (!target) {
        problems.push(`${where} names no workspace`);
        continue;
      }
      // A subpath the package itself exports (package.json "exports") is a public entry point; anything else is internals.
      if (deep.length > 0 && !(`./${deep.join('/')}` in (target.pkg.exports ?? {}))) {
        problems.push(`${where} imports internals; use the package's entry point`);
      }
      if (target.dir === w.dir) continue;
      if (!isPackage(target.dir) && !COMPOSERS.has(w.dir)) {
        problems.push(`${where}: ${w.dir} may not import the service ${target.dir}; meet it over MQTT/HTTP/the bus`);
      }
      if (isPackage(w.dir) && !isPackage(target.dir)) problems.push(`${where}: a package may not depend on a service`);
      if (target.dir === 'packages/testkit' && !isTest && !COMPOSERS.has(w.dir)) problems.push(`${where}: testkit is for tests only`);
      if (!(target.pkg.name in declared)) problems.push(`${where}: ${target.pkg.name} is not declared in ${w.dir}/package.json`);
      if (!refs.has(join(root, target.dir))) problems.push(`${where}: ${w.dir}/tsconfig.json has no reference to ${target.dir}`);
    }
  }
}

if (problems.length > 0) {
  console.error(`check:layers found ${problems.length} problem(s):\n  - ${problems.join('\n  - ')}`);
  process.exit(1);
}
console.log(`check:layers: ${all.length} workspaces, imports follow the layering`);
