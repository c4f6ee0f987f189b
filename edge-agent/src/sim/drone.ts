import { metresPerDegree, type DroneTelemetry, type ImageMetadata } from '@fieldtrace/protocol';
import { GROUND_STATION_CAMERA } from './camera.js';
import { round } from './gps.js';
import { Outbox } from './outbox.js';
import type { Rng } from './rng.js';
import { planLawnmower, type LocalPoint, type SurveyPlan } from './survey.js';

export interface DroneModelConfig {
  telemetryIntervalMs: number;
  imageIntervalMs: number;
  surveySpeedMps: number;
  transitSpeedMps: number;
  climbMps: number;
  descendMps: number;
  /** Battery drain while airborne, % per second (a 100 % pack lasts ~20 min). */
  drainPctPerS: number;
  /** Return early below this charge. */
  reservePct: number;
  groundMinMs: number;
  groundMaxMs: number;
  areaWidthM: number;
  areaHeightM: number;
  outboxLimit: number;
}

export const DEFAULT_DRONE_MODEL: DroneModelConfig = {
  telemetryIntervalMs: 500,
  imageIntervalMs: 3000,
  surveySpeedMps: 5,
  transitSpeedMps: 8,
  climbMps: 2.5,
  descendMps: 1.5,
  drainPctPerS: 0.08,
  reservePct: 25,
  groundMinMs: 60_000,
  groundMaxMs: 180_000,
  areaWidthM: 160,
  areaHeightM: 120,
  outboxLimit: 10_000,
};

/** ArduCopter flight modes as a ground station relays them. */
type Phase = 'grounded' | 'takeoff' | 'survey' | 'return' | 'landing';
const MODE: Record<Phase, string> = { grounded: 'STABILIZE', takeoff: 'AUTO', survey: 'AUTO', return: 'RTL', landing: 'LAND' };

export interface Drone {
  readonly deviceId: string;
  readonly siteId: string;
  /** Site point: the origin of the local east/north frame. */
  readonly originLat: number;
  readonly originLon: number;
  readonly home: LocalPoint;
  readonly config: DroneModelConfig;
  phase: Phase;
  x: number;
  y: number;
  /** Height above home, m. */
  z: number;
  groundSpeed: number;
  climb: number;
  yaw: number;
  batteryPct: number;
  plan: SurveyPlan | null;
  /** Index of the waypoint being flown to. */
  waypoint: number;
  flights: number;
  flightTag: string;
  images: number;
  groundedUntil: number;
  seq: number;
  nextTelemetryAt: number;
  nextImageAt: number;
  readonly outbox: Outbox;
}

export interface DroneInit {
  deviceId: string;
  site: { id: string; lat: number; lon: number };
  seqStart: number;
  now: number;
  config?: Partial<DroneModelConfig>;
}

export function createDrone(init: DroneInit, rng: Rng): Drone {
  const config = { ...DEFAULT_DRONE_MODEL, ...init.config };
  const bearing = rng.range(0, 2 * Math.PI);
  const home = { x: 30 * Math.sin(bearing), y: 30 * Math.cos(bearing) };
  return {
    deviceId: init.deviceId,
    siteId: init.site.id,
    originLat: init.site.lat,
    originLon: init.site.lon,
    home,
    config,
    phase: 'grounded',
    x: home.x,
    y: home.y,
    z: 0,
    groundSpeed: 0,
    climb: 0,
    yaw: rng.range(0, 360),
    batteryPct: 100,
    plan: null,
    waypoint: 0,
    flights: 0,
    flightTag: '',
    images: 0,
    groundedUntil: init.now + rng.range(5_000, 30_000),
    seq: init.seqStart,
    nextTelemetryAt: init.now,
    nextImageAt: Infinity,
    outbox: new Outbox(config.outboxLimit),
  };
}

/** Moves the drone from `now - dtMs` to `now` and appends the telemetry and image records born meanwhile. */
export function advanceDrone(drone: Drone, dtMs: number, now: number, rng: Rng): void {
  let t = now - dtMs;
  while (t < now) {
    const end = Math.min(now, t + 200, Math.max(Math.min(drone.nextTelemetryAt, drone.nextImageAt), t + 1));
    fly(drone, end - t, end, rng);
    t = end;
    while (drone.nextTelemetryAt <= t) {
      emitTelemetry(drone, drone.nextTelemetryAt, rng);
      drone.nextTelemetryAt += drone.config.telemetryIntervalMs;
    }
    while (drone.nextImageAt <= t) {
      emitImage(drone, drone.nextImageAt, rng);
      drone.nextImageAt += drone.config.imageIntervalMs;
    }
  }
}

function fly(drone: Drone, dtMs: number, t: number, rng: Rng): void {
  const dt = dtMs / 1000;
  const c = drone.config;
  if (drone.phase !== 'grounded') drone.batteryPct = Math.max(0, drone.batteryPct - c.drainPctPerS * dt);
  drone.groundSpeed = 0;
  drone.climb = 0;
  switch (drone.phase) {
    case 'grounded':
      if (t < drone.groundedUntil) return;
      // The pilot swaps the pack during the pause on the ground.
      if (drone.batteryPct < 60) drone.batteryPct = 100;
      drone.plan = planLawnmower({ widthM: c.areaWidthM, heightM: c.areaHeightM, altitudeM: rng.range(30, 40) });
      drone.waypoint = 0;
      drone.flights++;
      drone.flightTag = `${t.toString(36)}`;
      drone.images = 0;
      drone.phase = 'takeoff';
      return;
    case 'takeoff':
      drone.climb = c.climbMps;
      drone.z = Math.min(drone.plan!.altitudeM, drone.z + c.climbMps * dt);
      if (drone.z >= drone.plan!.altitudeM) drone.phase = 'survey';
      return;
    case 'survey': {
      const plan = drone.plan!;
      const capturing = drone.waypoint > 0;
      const target = plan.waypoints[drone.waypoint]!;
      if (moveToward(drone, target, capturing ? c.surveySpeedMps : c.transitSpeedMps, dt)) {
        drone.waypoint++;
        if (drone.waypoint === 1) drone.nextImageAt = t + c.imageIntervalMs;
      }
      if (drone.waypoint >= plan.waypoints.length || drone.batteryPct <= c.reservePct) {
        drone.phase = 'return';
        drone.nextImageAt = Infinity;
      }
      return;
    }
    case 'return':
      if (moveToward(drone, drone.home, c.transitSpeedMps, dt)) drone.phase = 'landing';
      return;
    case 'landing':
      drone.climb = -c.descendMps;
      drone.z = Math.max(0, drone.z - c.descendMps * dt);
      if (drone.z === 0) {
        drone.phase = 'grounded';
        drone.climb = 0;
        drone.groundedUntil = t + rng.range(c.groundMinMs, c.groundMaxMs);
      }
      return;
  }
}

/** Flies straight at `speed`; true once the target is reached. */
function moveToward(drone: Drone, target: LocalPoint, speed: number, dt: number): boolean {
  const dx = target.x - drone.x;
  const dy = target.y - drone.y;
  const distance = Math.hypot(dx, dy);
  const travel = speed * dt;
  if (distance > 0.01) drone.yaw = ((Math.atan2(dx, dy) * 180) / Math.PI + 360) % 360;
  if (travel >= distance) {
    drone.x = target.x;
    drone.y = target.y;
    drone.groundSpeed = dt > 0 ? distance / dt : 0;
    return true;
  }
  drone.x += (dx / distance) * travel;
  drone.y += (dy / distance) * travel;
  drone.groundSpeed = speed;
  return false;
}

function position(drone: Drone): { lat: number; lon: number } {
  const m = metresPerDegree(drone.originLat);
  return { lat: round(drone.originLat + drone.y / m.lat, 7), lon: round(drone.originLon + drone.x / m.lon, 7) };
}

/** Attitude consistent with the motion: nose down in proportion to forward speed, a little gust roll. */
function attitude(drone: Drone, rng: Rng): { roll: number; pitch: number; yaw: number } {
  const airborne = drone.z > 0;
  return {
    roll: airborne ? round(rng.gaussian() * 1.5, 1) : 0,
    pitch: airborne ? round(-1.6 * drone.groundSpeed + rng.gaussian() * 0.8, 1) : 0,
    yaw: round(drone.yaw, 1) % 360,
  };
}

function emitTelemetry(drone: Drone, ts: number, rng: Rng): void {
  const telemetry: DroneTelemetry = {
    v: 1,
    seq: drone.seq++,
    ts,
    ...position(drone),
    altRel: round(drone.z, 1),
    ...attitude(drone, rng),
    groundSpeed: round(drone.groundSpeed, 2),
    climb: round(drone.climb, 2),
    batteryPct: round(drone.batteryPct, 1),
    armed: drone.phase !== 'grounded',
    mode: MODE[drone.phase],
    missionSeq: drone.phase === 'survey' ? drone.waypoint + 1 : 0,
  };
  drone.outbox.push({ kind: 'drone', message: telemetry });
}

function emitImage(drone: Drone, ts: number, rng: Rng): void {
  const pose = attitude(drone, rng);
  const image: ImageMetadata = {
    v: 1,
    seq: drone.seq++,
    ts,
    imageId: `${drone.deviceId}-${drone.flightTag}-${String(++drone.images).padStart(4, '0')}`,
    width: GROUND_STATION_CAMERA.widthPx,
    height: GROUND_STATION_CAMERA.heightPx,
    ...position(drone),
    altRel: round(drone.z, 1),
    ...pose,
    gimbalPitch: -90,
    gimbalYaw: pose.yaw,
    cameraProfile: GROUND_STATION_CAMERA.profile,
  };
  drone.outbox.push({ kind: 'image', message: image });
}
