import { clockTime, clockTimeSeconds, el, startOfLocalDay, untilText } from './format.js';
import type { Fleet } from './fleet.js';
import type { AlertChange, GeofenceEvent, InspectionUpdate, JobStatusChange, Plan } from './types.js';

const MAX_FEED_ITEMS = 200;

/** Geofence arrivals/departures, job status changes and alerts, newest first, capped so a long shift does not grow the DOM. */
export class EventFeed {
  private readonly list: HTMLUListElement;
  private readonly fleet: Fleet;
  private readonly seen = new Set<string>();
  private readonly byId = new Map<string, HTMLLIElement>();

  constructor(list: HTMLUListElement, fleet: Fleet) {
    this.list = list;
    this.fleet = fleet;
  }

  geofence(e: GeofenceEvent): void {
    // A job's fence repeats its site's events for the assigned crew; the job's status changes tell that story.
    if (e.fenceKind === 'job' || !this.remember(e.id)) return;
    if (e.retracts !== undefined) {
      // A late report showed this event did not happen after all.
      const withdrawn = this.byId.get(e.retracts);
      if (withdrawn) withdrawn.classList.add('withdrawn');
      return;
    }
    const who = this.fleet.vehicleLabel(e.vehicleId, e.deviceId);
    const where = this.fleet.placeLabel(e.siteId, e.geofenceId);
    const item = this.item(e.ts, [el('strong', undefined, who), ' ', el('span', e.transition, VERBS[e.transition]), ` ${where}`]);
    if (e.late) item.append(' ', el('span', 'late', '(delayed report)'));
    this.byId.set(e.id, item);
    if (this.byId.size > MAX_FEED_ITEMS * 4) this.byId.clear();
    this.insert(item, e.ts);
  }

  /** Raised, re-opened and cleared alerts; updates and acknowledgements do not need a line of their own. */
  alert(c: AlertChange): void {
    if (c.change !== 'raised' && c.change !== 'reopened' && c.change !== 'cleared') return;
    const a = c.alert;
    const ts = c.change === 'cleared' ? (a.clearedAt ?? a.updatedAt) : a.updatedAt;
    if (!this.remember(`alert:${a.id}:${c.change}:${ts}`)) return;
    const label = c.change === 'cleared' ? 'Cleared' : a.severity === 'critical' ? 'Alert!' : 'Alert';
    this.insert(this.item(ts, [el('span', `alert ${a.severity} ${c.change}`, label), ` ${a.message}`]), ts);
  }

  /** A re-plan and what set it off; applying it is the same plan again, so it gets a line of its own. */
  plan(p: Plan): void {
    if (p.status !== 'proposed' && p.status !== 'applied') return;
    if (!this.remember(`plan:${p.id}:${p.status}`)) return;
    const ts = p.status === 'applied' ? (p.appliedAt ?? p.createdAt) : p.createdAt;
    const what = p.status === 'applied' ? 'Routes re-planned' : 'New plan proposed';
    const moved = p.moves.length === 1 ? '1 job moved' : `${p.moves.length} jobs moved`;
    this.insert(this.item(ts, [el('span', 'plan', what), ` — ${p.trigger.detail}; ${moved}`]), ts);
  }

  inspection(u: InspectionUpdate): void {
    if (u.status !== 'done' && u.status !== 'failed') return;
    if (!this.remember(`inspection:${u.inspectionId}:${u.status}`)) return;
    const where = u.siteId ? ` at ${this.fleet.siteLabel(u.siteId)}` : '';
    const what = u.status === 'done' ? ` — ${u.findings === 1 ? '1 finding' : `${u.findings} findings`}` : ' — failed';
    this.insert(this.item(u.ts, [el('span', 'inspection', 'Roof inspection'), `${where}${what}`]), u.ts);
  }

  job(change: JobStatusChange): void {
    if (!this.remember(`job:${change.jobId}:${change.to}:${change.ts}`)) return;
    const job = this.fleet.jobs.get(change.jobId);
    const title = job ? `${job.title} (${this.fleet.siteLabel(job.siteId)})` : change.jobId;
    const status = change.to.replace('_', ' ');
    this.insert(this.item(change.ts, [el('span', 'job', 'Job'), ` ${title} → ${status}`]), change.ts);
  }

  private remember(id: string): boolean {
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    if (this.seen.size > MAX_FEED_ITEMS * 4) this.seen.clear();
    return true;
  }

  private item(ts: number, parts: (Node | string)[]): HTMLLIElement {
    const li = el('li');
    li.dataset.ts = String(ts);
    const time = el('time', undefined, clockTimeSeconds(ts));
    time.dateTime = new Date(ts).toISOString();
    li.append(time, ...parts);
    return li;
  }

  /** Keeps the list in event-time order, so a late report lands where it happened. */
  private insert(li: HTMLLIElement, ts: number): void {
    this.list.querySelector('li.empty')?.remove();
    let before: Element | null = this.list.firstElementChild;
    while (before && Number((before as HTMLElement).dataset.ts) > ts) before = before.nextElementSibling;
    this.list.insertBefore(li, before);
    while (this.list.children.length > MAX_FEED_ITEMS) this.list.lastElementChild?.remove();
  }
}

const VERBS: Record<GeofenceEvent['transition'], string> = { enter: 'entered', exit: 'left', arrive: 'arrived at', depart: 'departed from' };

/** Vehicle → next job/site → "in 7 min (12:41)". */
export function renderEtas(list: HTMLUListElement, fleet: Fleet, now: number): void {
  const rows = fleet.nextStops().map(({ vehicle, job, site, eta }) => {
    const li = el('li');
    let when: HTMLElement;
    if (eta) {
      const secondsLeft = Math.max(0, (eta.eta - now) / 1000);
      when = el('span', 'eta', `${untilText(secondsLeft)} (${clockTime(eta.eta)})`);
      when.title = `${(eta.distanceM / 1000).toFixed(1)} km, ${eta.method}, based on the fix of ${clockTimeSeconds(eta.basedOnTs)}`;
    } else {
      when = el('span', 'eta unknown', job.status === 'en_route' ? 'en route' : 'no ETA yet');
    }
    li.append(when, el('span', 'vehicle', vehicle.name), el('br'), el('span', 'job', `${job.title} · ${site?.name ?? job.siteId}`));
    return li;
  });
  if (rows.length === 0) rows.push(el('li', 'empty', 'No vehicles with open jobs.'));
  list.replaceChildren(...rows);
}

/** Fixes per second over a sliding window of one-second buckets. */
export class RateMeter {
  private readonly buckets: number[];
  private current = 0;
  private second = 0;

  constructor(windowSeconds = 10) {
    this.buckets = new Array<number>(windowSeconds).fill(0);
  }

  add(n: number, now: number): void {
    this.roll(now);
    this.buckets[this.current] = (this.buckets[this.current] ?? 0) + n;
  }

  perSecond(now: number): number {
    this.roll(now);
    let sum = 0;
    for (const b of this.buckets) sum += b;
    return sum / this.buckets.length;
  }

  private roll(now: number): void {
    const second = Math.floor(now / 1000);
    if (second === this.second) return;
    const steps = Math.min(this.buckets.length, second - this.second);
    for (let i = 0; i < steps; i++) {
      this.current = (this.current + 1) % this.buckets.length;
      this.buckets[this.current] = 0;
    }
    this.second = second;
  }
}

/** Counts events whose time falls on the local today; starts again at midnight. */
export class TodayCounter {
  private day = 0;
  private count = 0;

  reset(count: number, now: number): void {
    this.day = startOfLocalDay(now);
    this.count = count;
  }

  add(ts: number, now: number): void {
    this.value(now);
    if (ts >= this.day) this.count++;
  }

  value(now: number): number {
    const day = startOfLocalDay(now);
    if (day !== this.day) this.reset(0, now);
    return this.count;
  }
}
