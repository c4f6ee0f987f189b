#!/usr/bin/env node
/**
 * Assembles the dashboard folder served by core-api (DASHBOARD_DIR = dashboards/public):
 *   public/vendor/leaflet/  ← leaflet.js, leaflet.css and images/ from the installed leaflet package
 *   public/app/             ← the browser modules tsc compiled to dashboards/dist/web/
 * Both are generated (git-ignored). Run after `tsc -b` (the root `npm run build` does). Works from any cwd.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dashboards = join(here, '..');
const publicDir = join(dashboards, 'public');

const leafletDist = join(dirname(createRequire(import.meta.url).resolve('leaflet/package.json')), 'dist');
const vendorDir = join(publicDir, 'vendor', 'leaflet');
rmSync(vendorDir, { recursive: true, force: true });
mkdirSync(vendorDir, { recursive: true });
for (const file of ['leaflet.js', 'leaflet.css']) cpSync(join(leafletDist, file), join(vendorDir, file));
cpSync(join(leafletDist, 'images'), join(vendorDir, 'images'), { recursive: true });

const compiled = join(dashboards, 'dist', 'web');
if (!existsSync(join(compiled, 'app.js'))) {
  console.error(`copy-vendor: ${compiled}/app.js is missing; run \`npx tsc -b dashboards\` first`);
  process.exit(1);
}
const appDir = join(publicDir, 'app');
rmSync(appDir, { recursive: true, force: true });
mkdirSync(appDir, { recursive: true });
// Only the modules: declarations are for tsc and the source maps point at paths that do not exist under app/.
const modules = readdirSync(compiled).filter((f) => f.endsWith('.js'));
for (const file of modules) cpSync(join(compiled, file), join(appDir, file));

console.log(`copy-vendor: leaflet → ${vendorDir}; ${modules.length} modules → ${appDir}`);
