import { clockTime, el } from './format.js';
import type { Fleet } from './fleet.js';
import type { RouteLine } from './map-view.js';
import type { Plan } from './types.js';

/** Route colours, apart from the marker colours (green, orange, blue, grey) so a line is never read as a state. */
const ROUTE_COLOURS = ['#e7298a', '#7570b3', '#66a61e', '#e6ab02', '#a6761d', '#1b9e77', '#d95f02', '#386cb0', '#f0027f', '#bf5b17'];

/** The same vehicle keeps its colour from one plan to the next. */
export function routeColour(vehicleId: string): string {
  let h = 0;
  for (let i = 0; i < vehicleId.length; i++) h = (h * 31 + vehicleId.charCodeAt(i)) >>> 0;
  return ROUTE_COLOURS[h % ROUTE_COLOURS.length]!;
}

/** Each route of the plan as a line from the vehicle's last fix through its stops' sites; stops on unknown jobs are skipped. */
export function planLines(plan: Plan, fleet: Fleet): RouteLine[] {
  const lines: RouteLine[] = [];
  for (const route of plan.routes) {
    const points: [number, number][] = [];
    const at = fleet.vehiclePosition(route.vehicleId);
    if (at) points.push([at.lat, at.lon]);
    for (const stop of route.stops) {
      const job = fleet.jobs.get(stop.jobId);
      const site = job ? fleet.sites.get(job.siteId) : undefined;
      if (site) points.push([site.location[1], site.location[0]]);
    }
    const name = fleet.vehicleName(route.vehicleId);
    lines.push({ colour: routeColour(route.vehicleId), points, label: `${name}: ${route.stops.length} stops (${plan.status} plan)` });
  }
  return lines;
}

export interface PlanActions {
  apply(plan: Plan): Promise<void>;
  reject(plan: Plan): Promise<void>;
}

const STATUS_TEXT: Record<Plan['status'], string> = { proposed: 'proposed', applied: 'applied', rejected: 'rejected', superseded: 'superseded' };

/** The plan panel: why it was made, what it moves (with the new ETAs), and Apply / Reject while it is proposed. */
export function renderPlan(section: HTMLElement, plan: Plan | null, fleet: Fleet, actions: PlanActions): void {
  if (!plan) {
    section.replaceChildren(el('h2', undefined, 'Plan'), el('p', 'empty', 'No plan yet.'));
    return;
  }
  const arrival = new Map<string, number>();
  for (const r of plan.routes) for (const s of r.stops) arrival.set(s.jobId, s.arrival);
  const jobTitle = (jobId: string) => fleet.jobs.get(jobId)?.title ?? jobId;

  const head = el('p', 'plan-head');
  const status = el('span', `plan-status ${plan.status}`, STATUS_TEXT[plan.status]);
  head.append(status, ` ${clockTime(plan.createdAt)} · ${plan.trigger.detail}`);
  const parts: HTMLElement[] = [el('h2', undefined, 'Plan'), head];
  if (plan.fallbackReason) parts.push(el('p', 'plan-note', `Embedded solver (remote VROOM unavailable: ${plan.fallbackReason})`));

  const moves = el('ul', 'plan-moves');
  for (const m of plan.moves) {
    const li = el('li');
    const eta = arrival.get(m.jobId);
    const from = fleet.vehicleName(m.fromVehicleId);
    const to = fleet.vehicleName(m.toVehicleId);
    li.append(el('strong', undefined, jobTitle(m.jobId)), `: ${from === to ? `${to}, stop ${(m.fromOrder ?? 0) + 1} → ${(m.toOrder ?? 0) + 1}` : `${from} → ${to}`}`);
    if (eta !== undefined) li.append(el('span', 'eta', clockTime(eta)));
    moves.append(li);
  }
  if (plan.moves.length === 0) moves.append(el('li', 'empty', 'No job changes vehicle or place.'));
  parts.push(moves);
  if (plan.unassigned.length > 0) {
    parts.push(el('p', 'plan-note', `Not planned (no vehicle can take them): ${plan.unassigned.map(jobTitle).join(', ')}`));
  }

  if (plan.status === 'proposed') {
    const buttons = el('div', 'plan-actions');
    const apply = el('button', 'apply', 'Apply');
    const reject = el('button', 'reject', 'Reject');
    const error = el('span', 'plan-error');
    const run = (action: (p: Plan) => Promise<void>) => () => {
      apply.disabled = reject.disabled = true;
      error.textContent = '';
      action(plan).catch((err: unknown) => {
        error.textContent = err instanceof Error ? err.message : String(err);
        apply.disabled = reject.disabled = false;
      });
    };
    apply.type = reject.type = 'button';
    apply.addEventListener('click', run(actions.apply));
    reject.addEventListener('click', run(actions.reject));
    buttons.append(apply, reject, error);
    parts.push(buttons);
  }
  section.replaceChildren(...parts);
}
