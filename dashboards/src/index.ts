import { fileURLToPath } from 'node:url';

/**
 * The folder core-api serves at `/` (its DASHBOARD_DIR): index.html, style.css, config.json, the compiled
 * browser modules in `app/` and Leaflet in `vendor/`. The last two are produced by `npm run build`
 * (`dashboards/scripts/copy-vendor.mjs`), not kept in git.
 */
export const dashboardDir: string = fileURLToPath(new URL('../public/', import.meta.url));
