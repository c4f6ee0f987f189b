import type * as Leaflet from 'leaflet';

/**
 * Leaflet is loaded by a classic <script> (vendor/leaflet/leaflet.js) and sets the global `L`; the modules get
 * it here, typed, so nothing else touches globals. No bundler is needed: the page runs the tsc output as is.
 */
export const L = (globalThis as unknown as { L?: typeof Leaflet }).L as typeof Leaflet;
if (!L) throw new Error('Leaflet did not load: run `npm run build` (it copies vendor/leaflet into the dashboard folder)');
export type { Leaflet };
