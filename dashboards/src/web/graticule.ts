import { L, type Leaflet } from './leaflet.js';

/** Degree steps for the grid, coarse to fine; the finest whose lines stay MIN_SPACING_PX apart is used. */
const STEPS = [30, 10, 5, 2, 1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001, 0.0005];
const MIN_SPACING_PX = 90;

/**
 * A lat/lon grid drawn when there is no tile layer, so a map with no internet still has a sense of place and
 * scale. Redrawn for the visible area after every move.
 */
export function addGraticule(map: Leaflet.Map): Leaflet.LayerGroup {
  const layer = L.layerGroup().addTo(map);
  const style: Leaflet.PolylineOptions = { color: '#c3c9d0', weight: 1, interactive: false };

  const draw = () => {
    layer.clearLayers();
    const b = map.getBounds();
    const south = Math.max(-85, b.getSouth());
    const north = Math.min(85, b.getNorth());
    const west = Math.max(-180, b.getWest());
    const east = Math.min(180, b.getEast());
    const size = map.getSize();
    const pxPerDegree = Math.min(size.x / Math.max(1e-9, east - west), size.y / Math.max(1e-9, north - south));
    let step = STEPS[0]!;
    for (const s of STEPS) {
      if (s * pxPerDegree < MIN_SPACING_PX) break;
      step = s;
    }
    const decimals = Math.max(0, -Math.floor(Math.log10(step)));
    for (let lat = Math.ceil(south / step) * step; lat <= north; lat += step) {
      L.polyline([[lat, west], [lat, east]], style).addTo(layer);
      label(layer, [lat, west], `${lat.toFixed(decimals)}°`);
    }
    for (let lon = Math.ceil(west / step) * step; lon <= east; lon += step) {
      L.polyline([[south, lon], [north, lon]], style).addTo(layer);
      label(layer, [south, lon], `${lon.toFixed(decimals)}°`);
    }
  };
  map.on('moveend', draw);
  map.whenReady(draw);
  return layer;
}

function label(layer: Leaflet.LayerGroup, at: Leaflet.LatLngExpression, text: string): void {
  L.marker(at, {
    interactive: false,
    keyboard: false,
    icon: L.divIcon({ className: 'graticule-label', html: '', iconSize: [0, 0], iconAnchor: [-2, 12] }),
  })
    .addTo(layer)
    .getElement()
    ?.replaceChildren(document.createTextNode(text));
}
