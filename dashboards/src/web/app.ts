import { ApiError, clearSession, getBlobUrl, getJson, liveUrl, postJson, readSession, saveSession, type Session } from './api.js';
import { Fleet } from './fleet.js';
import { byId, startOfLocalDay } from './format.js';
import { LiveConnection, type LiveState } from './live.js';
import { MapView } from './map-view.js';
import { EventFeed, RateMeter, TodayCounter, renderEtas } from './panels.js';
import { planLines, renderPlan } from './plan-panel.js';
import type {
  EtaUpdate, FenceCollection, FindingCollection, GeofenceEvent, Job, JobStatusChange, LatestPosition, LiveItem, PageConfig, Plan, Site, StoredEvent, Vehicle,
} from './types.js';

/** Sites, fences, jobs and vehicles change rarely and are not on the live feed: reloaded on this period. */
const RELOAD_MS = 60_000;
const EVENTS_LOADED = 1000;

const fleet = new Fleet();
const rate = new RateMeter();
const today = new TodayCounter();
const etaList = byId<HTMLUListElement>('eta-list');
const feed = new EventFeed(byId<HTMLUListElement>('event-feed'), fleet);
let map: MapView;
/** The newest plan: drawn on the map and shown in the Plan panel. */
let plan: Plan | null = null;
let eventsCapped = false;
let reloadTimer: number | undefined;

/** A burst of changes for jobs created after the page loaded triggers one reload, not one each. */
function reloadSoon(session: Session): void {
  window.clearTimeout(reloadTimer);
  reloadTimer = window.setTimeout(() => void loadWorld(session).catch(reportError), 2000);
}

async function loadConfig(): Promise<PageConfig> {
  const config: PageConfig = { tileUrl: null, tileAttribution: null };
  try {
    const res = await fetch('./config.json', { cache: 'no-cache' });
    if (res.ok) Object.assign(config, (await res.json()) as Partial<PageConfig>);
  } catch {
    // No config.json: the defaults (no tiles) are right for a map without internet.
  }
  const tiles = new URL(window.location.href).searchParams.get('tiles');
  if (tiles) config.tileUrl = tiles;
  return config;
}

/** Everything that is not on the live feed. */
async function loadWorld(session: Session): Promise<void> {
  const [fences, sites, jobs, vehicles, latest, etas] = await Promise.all([
    getJson<FenceCollection>(session, '/v1/geofences.geojson'),
    getJson<Site[]>(session, '/v1/sites'),
    getJson<Job[]>(session, '/v1/jobs'),
    getJson<Vehicle[]>(session, '/v1/vehicles'),
    getJson<LatestPosition[]>(session, '/v1/positions/latest'),
    getJson<EtaUpdate[]>(session, '/v1/etas'),
  ]);
  fleet.replace(fleet.sites, sites);
  fleet.replace(fleet.jobs, jobs);
  fleet.replace(fleet.vehicles, vehicles);
  fleet.learnDevices(latest);
  fleet.setEtas(etas);
  fleet.fenceNames.clear();
  for (const f of fences.features) fleet.fenceNames.set(f.id, f.properties.name);
  map.setFences(fences);
  map.setSites(fleet.sites.values());
  const now = Date.now();
  for (const p of latest) if (fleet.applyPosition(p)) map.showVehicle(p, fleet.deviceLabel(p.deviceId), now);
  map.fitOnce([...sites.map((s) => [s.location[1], s.location[0]] as [number, number]), ...latest.map((p) => [p.lat, p.lon] as [number, number])]);
  renderEtas(etaList, fleet, now);
  if (plan) map.setRoutes(planLines(plan, fleet));
  await loadFindings(session);
}

/** Roofs and their findings from the tenant's latest inspections. */
async function loadFindings(session: Session): Promise<void> {
  const findings = await getJson<FindingCollection>(session, '/v1/findings.geojson');
  map.setFindings(findings, (findingId, inspectionId) => void showFinding(session, findings, findingId, inspectionId).catch(reportError));
}

let cropUrl: string | null = null;
/** The finding panel: what was found, its annotated crop, and the inspection report. */
async function showFinding(session: Session, all: FindingCollection, findingId: string, inspectionId: string): Promise<void> {
  const f = all.features.find((x) => x.properties.kind === 'finding' && x.properties.id === findingId)?.properties;
  if (!f || f.kind !== 'finding') return;
  byId('finding-panel').hidden = false;
  byId('finding-text').textContent =
    `${f.className.replace(/_/g, ' ')} — ${f.severity}, ${Math.round(f.confidence * 100)}% confident, ${f.areaM2.toFixed(2)} m², seen in ${f.views} image${f.views === 1 ? '' : 's'}${f.outsideRoof ? '; outside the roof outline' : ''}.`;
  const img = byId<HTMLImageElement>('finding-crop');
  if (cropUrl) URL.revokeObjectURL(cropUrl);
  cropUrl = f.cropUrl ? await getBlobUrl(session, f.cropUrl).catch(() => null) : null;
  img.hidden = cropUrl === null;
  if (cropUrl) img.src = cropUrl;
  const report = `/v1/inspections/${encodeURIComponent(inspectionId)}/report`;
  byId('finding-pdf').onclick = () => void getBlobUrl(session, `${report}.pdf`).then((u) => window.open(u, '_blank')).catch(reportError);
  byId('finding-html').onclick = () => void getBlobUrl(session, `${report}.html`).then((u) => window.open(u, '_blank')).catch(reportError);
}

function showPlan(session: Session): void {
  map.setRoutes(plan ? planLines(plan, fleet) : []);
  renderPlan(byId('plan-panel'), plan, fleet, {
    apply: async (p) => acceptPlan(session, await postJson<Plan>(session, `/v1/plans/${encodeURIComponent(p.id)}/apply`)),
    reject: async (p) => acceptPlan(session, await postJson<Plan>(session, `/v1/plans/${encodeURIComponent(p.id)}/reject`)),
  });
}

/** A plan from the API or the live feed: shown when it is the newest (or a new state of the one shown). */
function acceptPlan(session: Session, incoming: Plan): void {
  if (plan && incoming.id !== plan.id && incoming.createdAt < plan.createdAt) return;
  plan = incoming;
  // Applying moved jobs between vehicles; only their status changes are on the feed.
  if (incoming.status === 'applied') reloadSoon(session);
  showPlan(session);
}

async function loadLatestPlan(session: Session): Promise<void> {
  const [latest] = await getJson<Plan[]>(session, '/v1/plans?limit=1');
  if (latest) acceptPlan(session, latest);
  else showPlan(session);
}

async function loadTodaysEvents(session: Session): Promise<void> {
  const now = Date.now();
  const events = await getJson<StoredEvent[]>(session, `/v1/events?from=${startOfLocalDay(now)}&limit=${EVENTS_LOADED}`);
  eventsCapped = events.length >= EVENTS_LOADED;
  today.reset(events.length, now);
  for (const e of [...events].reverse()) {
    if (e.kind === 'geofence') feed.geofence(e.data as GeofenceEvent);
    else if (e.kind === 'job') feed.job(e.data as JobStatusChange);
  }
}

function applyFrame(session: Session, items: LiveItem[]): void {
  const now = Date.now();
  let fixes = 0;
  let etasChanged = false;
  let unknownJob = false;
  for (const item of items) {
    switch (item.type) {
      case 'position':
        fixes++;
        if (fleet.applyPosition(item.data)) map.showVehicle(item.data, fleet.deviceLabel(item.data.deviceId), now);
        break;
      case 'geofence':
        today.add(item.data.ts, now);
        feed.geofence(item.data);
        break;
      case 'eta':
        fleet.applyEta(item.data);
        etasChanged = true;
        break;
      case 'job':
        today.add(item.data.ts, now);
        if (!fleet.applyJobChange(item.data)) unknownJob = true;
        feed.job(item.data);
        etasChanged = true;
        break;
      case 'alert':
        feed.alert(item.data);
        break;
      case 'plan':
        feed.plan(item.data);
        acceptPlan(session, item.data);
        break;
      case 'inspection':
        feed.inspection(item.data);
        if (item.data.status === 'done') void loadFindings(session).catch(reportError);
        break;
    }
  }
  rate.add(fixes, now);
  if (etasChanged) renderEtas(etaList, fleet, now);
  if (unknownJob) reloadSoon(session);
}

function showLiveState(state: LiveState, detail: string): void {
  const status = byId('live-status');
  status.dataset.state = state;
  status.textContent = detail;
}

function tick(): void {
  const now = Date.now();
  byId('count-online').textContent = String(fleet.onlineCount(now));
  byId('count-rate').textContent = rate.perSecond(now).toFixed(1);
  const events = today.value(now);
  byId('count-events').textContent = eventsCapped ? `${events}+` : String(events);
}

function reportError(err: unknown): void {
  const fatal = byId('fatal');
  fatal.textContent = err instanceof Error ? err.message : String(err);
  fatal.hidden = false;
  console.error(err);
}

/** Asks for a key (and, for an operator key, a tenant); resolves with the session the user entered. */
function askForKey(message?: string): Promise<Session> {
  const dialog = byId<HTMLDialogElement>('key-dialog');
  const form = byId<HTMLFormElement>('key-form');
  if (message) byId('key-message').textContent = message;
  dialog.showModal();
  return new Promise((resolve) => {
    form.addEventListener('submit', () => {
      const data = new FormData(form);
      const tenant = String(data.get('tenant') ?? '').trim();
      resolve({ key: String(data.get('key') ?? '').trim(), tenant: tenant || null });
    }, { once: true });
  });
}

async function start(): Promise<void> {
  map = new MapView(byId('map'), await loadConfig());
  let session = readSession() ?? (await askForKey());
  for (;;) {
    try {
      await loadWorld(session);
      break;
    } catch (err) {
      if (!(err instanceof ApiError) || (err.status !== 401 && err.status !== 403 && err.status !== 400)) throw err;
      clearSession();
      session = await askForKey(`That key was refused: ${err.message}`);
    }
  }
  saveSession(session);
  await Promise.all([loadTodaysEvents(session), loadLatestPlan(session)]).catch(reportError);
  const live = new LiveConnection(() => liveUrl(session), (items) => applyFrame(session, items), showLiveState);
  live.start();
  window.addEventListener('pagehide', () => live.stop());
  window.setInterval(tick, 1000);
  // Staleness and "in N min" change with time alone.
  window.setInterval(() => {
    const now = Date.now();
    map.recolour(fleet.positions.values(), now);
    renderEtas(etaList, fleet, now);
    // Routes start where each vehicle is.
    if (plan) map.setRoutes(planLines(plan, fleet));
  }, 15_000);
  window.setInterval(() => void loadWorld(session).catch(reportError), RELOAD_MS);
  tick();
}

start().catch(reportError);
