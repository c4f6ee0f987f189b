import type { ardupilotmega, common, minimal } from 'node-mavlink';
import type { Reading } from '../sources/source.js';
import { compact, imageFromCameraFeedback, imageFromCameraImageCaptured, type CameraProfile } from './camera-events.js';
import { isVehicleHeartbeat } from './flight-modes.js';
import { fixFromGpsRawInt } from './gps-fix.js';
import type { DecodedMessage } from './packet-decoder.js';
import { BootTimeAnchor } from './time-anchor.js';
import { E7, normaliseHeading, round, UINT16_UNKNOWN, validLatLonE7 } from './units.js';
import {
  applyAttitude, applyBatteryStatus, applyHeartbeat, applyMissionCurrent, applySysStatus, type VehicleState,
} from './vehicle-state.js';

/** ~1 m of latitude; also used for longitude (less than 1 m away from the equator, which is fine here). */
const HOME_MOVE_DEG = 1e-5;

export interface MapperOptions {
  /** Vehicle to follow. Default: the first system that sends a vehicle HEARTBEAT or a GLOBAL_POSITION_INT. */
  systemId?: number;
  camera: CameraProfile;
  /** Also emit `fix` readings from GPS_RAW_INT (raw receiver fix with quality, satellites, HDOP). Default true. */
  gpsFixes?: boolean;
  /** At most one drone reading per this interval (event time); 0 = one per GLOBAL_POSITION_INT. */
  droneMinIntervalMs?: number;
}

/**
 * Turns decoded MAVLink messages of one vehicle into protocol readings. Stateful: a `drone` reading combines the
 * latest attitude, battery, armed state, mode and mission item with each GLOBAL_POSITION_INT.
 */
export class MavlinkMapper {
  private readonly options: MapperOptions;
  private systemId: number | undefined;
  private readonly state: VehicleState = {};
  /** One anchor per component: a MAVLink camera (compid 100) has its own boot clock. */
  private readonly anchors = new Map<number, BootTimeAnchor>();
  private lastDroneTs = -Infinity;
  readonly counts: Record<string, number> = {};

  constructor(options: MapperOptions) {
    this.options = options;
    this.systemId = options.systemId;
  }

  map(msg: DecodedMessage): Reading[] {
    if (!this.follows(msg)) {
      this.count(this.systemId === undefined ? 'skipped.before-vehicle' : 'skipped.other-system');
      return [];
    }
    const out = this.mapFollowed(msg);
    for (const reading of out) this.count(`reading.${reading.kind}`);
    return out;
  }

  get vehicle(): Readonly<VehicleState> {
    return this.state;
  }

  private follows(msg: DecodedMessage): boolean {
    if (this.systemId === undefined) {
      const lockOn =
        (msg.name === 'HEARTBEAT' && isVehicleHeartbeat((msg.data as minimal.Heartbeat).type, (msg.data as minimal.Heartbeat).autopilot)) ||
        msg.name === 'GLOBAL_POSITION_INT';
      if (!lockOn) return false;
      this.systemId = msg.sysid;
    }
    return msg.sysid === this.systemId;
  }

  private mapFollowed(msg: DecodedMessage): Reading[] {
    const receivedAt = msg.receivedAtMs;
    switch (msg.name) {
      case 'HEARTBEAT': {
        const hb = msg.data as minimal.Heartbeat;
        if (!isVehicleHeartbeat(hb.type, hb.autopilot)) return [];
        const { armedChanged } = applyHeartbeat(this.state, hb);
        return armedChanged ? [sensor(receivedAt, 'armed', this.state.armed === true)] : [];
      }
      case 'ATTITUDE':
        applyAttitude(this.state, msg.data as common.Attitude);
        return [];
      case 'SYS_STATUS':
        applySysStatus(this.state, msg.data as common.SysStatus);
        return [];
      case 'BATTERY_STATUS':
        applyBatteryStatus(this.state, msg.data as common.BatteryStatus);
        return [];
      case 'MISSION_CURRENT':
        applyMissionCurrent(this.state, msg.data as common.MissionCurrent);
        return [];
      case 'MISSION_ITEM_REACHED':
        return [sensor(receivedAt, 'mission_item_reached', (msg.data as common.MissionItemReached).seq)];
      case 'HOME_POSITION':
        return this.home(msg.data as common.HomePosition, receivedAt);
      case 'GLOBAL_POSITION_INT':
        return this.position(msg, msg.data as common.GlobalPositionInt);
      case 'GPS_RAW_INT': {
        if (this.options.gpsFixes === false) return [];
        const fix = fixFromGpsRawInt(msg.data as common.GpsRawInt, (bootMs) => this.anchor(msg.compid).toUnixMs(bootMs, receivedAt), receivedAt);
        if (!fix) this.count('skipped.gps-no-fix');
        return fix ? [{ kind: 'fix', body: fix }] : [];
      }
      case 'CAMERA_FEEDBACK': {
        const body = imageFromCameraFeedback(msg.sysid, msg.data as ardupilotmega.CameraFeedback, this.options.camera, receivedAt);
        if (!body) this.count('skipped.image-no-pose');
        return body ? [{ kind: 'image', body }] : [];
      }
      case 'CAMERA_IMAGE_CAPTURED': {
        const captured = msg.data as common.CameraImageCaptured;
        const fallbackTs = this.anchor(msg.compid).toUnixMs(captured.timeBootMs, receivedAt);
        const body = imageFromCameraImageCaptured(msg.sysid, captured, this.state, this.options.camera, fallbackTs);
        if (!body) this.count('skipped.image-no-pose');
        return body ? [{ kind: 'image', body }] : [];
      }
      default:
        return [];
    }
  }

  private position(msg: DecodedMessage, pos: common.GlobalPositionInt): Reading[] {
    if (!validLatLonE7(pos.lat, pos.lon)) {
      this.count('skipped.no-position');
      return [];
    }
    const ts = this.anchor(msg.compid).toUnixMs(pos.timeBootMs, msg.receivedAtMs);
    const minInterval = this.options.droneMinIntervalMs ?? 0;
    if (minInterval > 0 && ts - this.lastDroneTs < minInterval && ts >= this.lastDroneTs) {
      this.count('skipped.rate-limit');
      return [];
    }
    this.lastDroneTs = ts;
    const s = this.state;
    return [{
      kind: 'drone',
      body: compact({
        ts,
        lat: pos.lat / E7,
        lon: pos.lon / E7,
        altMsl: round(pos.alt / 1000, 3),
        altRel: round(pos.relativeAlt / 1000, 3),
        roll: s.roll,
        pitch: s.pitch,
        // hdg is the vehicle heading in cdeg (UINT16_MAX when unknown); fall back to ATTITUDE yaw.
        yaw: pos.hdg !== UINT16_UNKNOWN ? normaliseHeading(pos.hdg / 100) : s.yaw,
        // vx/vy/vz are NED cm/s: ground speed is the horizontal norm, climb is minus the down component.
        groundSpeed: round(Math.hypot(pos.vx, pos.vy) / 100, 2),
        climb: round(-pos.vz / 100, 2),
        batteryPct: s.batteryPct,
        armed: s.armed,
        mode: s.mode,
        missionSeq: s.missionSeq,
      }),
    }];
  }

  private home(home: common.HomePosition, receivedAt: number): Reading[] {
    if (!validLatLonE7(home.latitude, home.longitude)) return [];
    const next = { lat: home.latitude / E7, lon: home.longitude / E7, altMsl: round(home.altitude / 1000, 3) };
    const prev = this.state.home;
    // Autopilots resend HOME_POSITION periodically and SITL nudges it by millimetres; report moves of about 1 m.
    if (prev && Math.abs(prev.lat - next.lat) < HOME_MOVE_DEG && Math.abs(prev.lon - next.lon) < HOME_MOVE_DEG && Math.abs(prev.altMsl - next.altMsl) < 1) {
      return [];
    }
    this.state.home = next;
    return [{
      kind: 'sensor',
      body: {
        ts: receivedAt,
        readings: [
          { name: 'home_lat', value: next.lat, unit: 'deg' },
          { name: 'home_lon', value: next.lon, unit: 'deg' },
          { name: 'home_alt_msl', value: next.altMsl, unit: 'm' },
        ],
      },
    }];
  }

  private anchor(compid: number): BootTimeAnchor {
    let anchor = this.anchors.get(compid);
    if (!anchor) {
      anchor = new BootTimeAnchor();
      this.anchors.set(compid, anchor);
    }
    return anchor;
  }

  private count(key: string): void {
    this.counts[key] = (this.counts[key] ?? 0) + 1;
  }
}

function sensor(ts: number, name: string, value: number | boolean): Reading {
  return { kind: 'sensor', body: { ts, readings: [{ name, value }] } };
}
