import { L, type Leaflet } from './leaflet.js';
import { addGraticule } from './graticule.js';
import { STALE_MS } from './fleet.js';
import type { FenceCollection, FindingCollection, LonLat, PageConfig, Position, Site } from './types.js';

const FAST_MS = 25; // m/s, 90 km/h
const MOVING_MS = 1; // below this a vehicle is stopped (GNSS speed noise at rest is a few tenths)

/** Marker colour: grey when the last fix is stale, otherwise by ground speed. */
export function vehicleColour(p: Position, now: number): string {
  if (now - p.ts >= STALE_MS) return '#9a9a9a';
  const speed = p.speed ?? 0;
  if (speed >= FAST_MS) return '#d95f02';
  if (speed >= MOVING_MS) return '#1a9850';
  return '#2c7fb8';
}

const SEVERITY_COLOURS = { high: '#c62828', medium: '#ef6c00', low: '#1565c0' } as const;

/** One vehicle's planned route: from where it is through its stops' sites, `[lat, lon]` points. */
export interface RouteLine {
  colour: string;
  points: [number, number][];
  label: string;
}

/** The Leaflet map: fences and sites (redrawn on reload), planned routes, and one circle marker per device (moved in place). */
export class MapView {
  private readonly map: Leaflet.Map;
  private readonly fences: Leaflet.LayerGroup;
  private readonly sites: Leaflet.LayerGroup;
  private readonly routes: Leaflet.LayerGroup;
  private readonly findings: Leaflet.LayerGroup;
  private readonly vehicles: Leaflet.LayerGroup;
  private readonly markers = new Map<string, Leaflet.CircleMarker>();
  private fitted = false;

  constructor(container: HTMLElement, config: PageConfig) {
    this.map = L.map(container, { worldCopyJump: true, preferCanvas: true }).setView([20, 0], 2);
    if (config.tileUrl) {
      L.tileLayer(config.tileUrl, { maxZoom: 19, attribution: config.tileAttribution ?? '' }).addTo(this.map);
    } else {
      addGraticule(this.map);
    }
    this.fences = L.layerGroup().addTo(this.map);
    this.sites = L.layerGroup().addTo(this.map);
    this.findings = L.layerGroup().addTo(this.map);
    // Under the vehicles, so a route never hides the marker it starts from.
    this.routes = L.layerGroup().addTo(this.map);
    this.vehicles = L.layerGroup().addTo(this.map);
  }

  setFences(collection: FenceCollection): void {
    this.fences.clearLayers();
    const style: Leaflet.PathOptions = { color: '#7b3294', weight: 1.5, fillOpacity: 0.08 };
    const latLngs = (ring: readonly LonLat[]) => ring.map(([lon, lat]) => [lat, lon] as [number, number]);
    for (const f of collection.features) {
      const g = f.geometry;
      let layer: Leaflet.Layer;
      if (g.type === 'Point') layer = L.circle([g.coordinates[1], g.coordinates[0]], { ...style, radius: f.properties.radiusM ?? 50 });
      else if (g.type === 'Polygon') layer = L.polygon(g.coordinates.map(latLngs), style);
      else if (g.type === 'MultiPolygon') layer = L.polygon(g.coordinates.map((polygon) => polygon.map(latLngs)), style);
      // A corridor: its centre line, drawn as wide as the corridor would be at this zoom is not worth the code.
      else layer = L.polyline(latLngs(g.coordinates), { ...style, weight: 6, opacity: 0.35 });
      layer.bindTooltip(f.properties.widthM ? `${f.properties.name} (corridor, ${f.properties.widthM} m wide)` : f.properties.name).addTo(this.fences);
    }
  }

  setSites(sites: Iterable<Site>): void {
    this.sites.clearLayers();
    for (const s of sites) {
      L.circleMarker([s.location[1], s.location[0]], { radius: 4, color: '#4d4d4d', weight: 1, fillColor: '#fff', fillOpacity: 1 })
        .bindTooltip(s.address ? `${s.name} — ${s.address}` : s.name)
        .addTo(this.sites);
    }
  }

  /**
   * Roof outlines and the damage a drone inspection found on them, coloured by severity; findings outside the roof
   * are dashed. Clicking a finding calls `open` (the page shows its crop and the report links).
   */
  setFindings(collection: FindingCollection, open: (findingId: string, inspectionId: string) => void): void {
    this.findings.clearLayers();
    const latLngs = (ring: readonly LonLat[]) => ring.map(([lon, lat]) => [lat, lon] as [number, number]);
    for (const f of collection.features) {
      const p = f.properties;
      if (p.kind === 'roof') {
        L.polygon(f.geometry.coordinates.map(latLngs), { color: '#8c510a', weight: 2, fillOpacity: 0.05, interactive: false }).addTo(this.findings);
        continue;
      }
      const colour = SEVERITY_COLOURS[p.severity];
      const style: Leaflet.PathOptions = { color: colour, weight: 2, fillColor: colour, fillOpacity: 0.45, ...(p.outsideRoof ? { dashArray: '4 3' } : {}) };
      const label = `${p.className.replace(/_/g, ' ')} · ${p.severity} · ${Math.round(p.confidence * 100)}%${p.outsideRoof ? ' · outside the roof' : ''}`;
      L.polygon(f.geometry.coordinates.map(latLngs), style).bindTooltip(label).on('click', () => open(p.id, p.inspectionId)).addTo(this.findings);
    }
  }

  setRoutes(lines: readonly RouteLine[]): void {
    this.routes.clearLayers();
    for (const line of lines) {
      if (line.points.length < 2) continue;
      L.polyline(line.points, { color: line.colour, weight: 3, opacity: 0.8, dashArray: '6 4' }).bindTooltip(line.label).addTo(this.routes);
    }
  }

  /** Places or moves a device's marker. */
  showVehicle(p: Position, label: string, now: number): void {
    const colour = vehicleColour(p, now);
    const marker = this.markers.get(p.deviceId);
    if (marker) {
      marker.setLatLng([p.lat, p.lon]).setStyle({ fillColor: colour });
      if (marker.getTooltip()?.getContent() !== label) marker.setTooltipContent(label);
      return;
    }
    const created = L.circleMarker([p.lat, p.lon], { radius: 7, color: '#fff', weight: 2, fillColor: colour, fillOpacity: 0.95 })
      .bindTooltip(label, { permanent: true, direction: 'right', offset: [8, 0], className: 'vehicle-label' })
      .addTo(this.vehicles);
    this.markers.set(p.deviceId, created);
  }

  /** Re-colours every marker (fixes go stale without any message arriving). */
  recolour(positions: Iterable<Position>, now: number): void {
    for (const p of positions) this.markers.get(p.deviceId)?.setStyle({ fillColor: vehicleColour(p, now) });
  }

  /** Frames the data once, on the first load that has any. */
  fitOnce(points: [number, number][]): void {
    if (this.fitted || points.length === 0) return;
    this.fitted = true;
    this.map.fitBounds(L.latLngBounds(points), { padding: [40, 40], maxZoom: 15 });
  }
}
