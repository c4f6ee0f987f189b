import { readFileSync } from 'node:fs';
import { common, minimal, MavLinkProtocolV1, MavLinkProtocolV2, type MavLinkData } from 'node-mavlink';
import { validateUplink } from '@fieldtrace/protocol';
import { silentLogger, type Clock } from '@fieldtrace/service-kit';
import { sharedFixture } from '@fieldtrace/testkit';
import type { Reading } from '../sources/source.js';
import { createMavlinkSource, type MavlinkLink, type MavlinkSource, type MavlinkSourceConfig } from './mavlink-source.js';
import { TlogFramer, type TlogRecord } from './tlog-framer.js';

/** Shared by the MAVLink tests: fixture paths, a test camera, and a helper that runs a file source to the end. */
export function mavlinkFixture(name: string): string {
  return sharedFixture(`fixtures/mavlink/${name}`);
}

export const TEST_CAMERA = { profile: 'test-camera', widthPx: 4000, heightPx: 3000 } as const;

export const FIXED_CLOCK: Clock = { now: () => Date.UTC(2026, 0, 1) };

export function tlogRecords(name: string): TlogRecord[] {
  const framer = new TlogFramer();
  const records = framer.push(readFileSync(mavlinkFixture(name)));
  framer.end();
  return records;
}

export interface FileRun {
  source: MavlinkSource;
  readings: Reading[];
}

export async function runFile(link: MavlinkLink, extra: Partial<MavlinkSourceConfig> = {}): Promise<FileRun> {
  const source = createMavlinkSource({ link, camera: TEST_CAMERA, ...extra }, { clock: FIXED_CLOCK, logger: silentLogger });
  const readings: Reading[] = [];
  await source.start((r) => readings.push(r));
  await source.finished();
  await source.close();
  return { source, readings };
}

/** The first reading that does not pass protocol validation as the agent would stamp it, or undefined. */
export function firstInvalid(readings: Reading[]): { reading: Reading; detail: string } | undefined {
  for (const reading of readings) {
    const result = validateUplink(reading.kind, { v: 1, seq: 0, ...reading.body });
    if (!result.ok) return { reading, detail: result.detail };
  }
  return undefined;
}

export function ofKind<K extends Reading['kind']>(readings: Reading[], kind: K): Extract<Reading, { kind: K }>['body'][] {
  return readings.flatMap((r) => (r.kind === kind ? [r.body as never] : []));
}

/** Serialises a message as the autopilot would send it (system 1, component 1 unless told otherwise). */
export function frameOf(message: MavLinkData, options: { v2?: boolean; sysid?: number; compid?: number; seq?: number } = {}): Buffer {
  const sysid = options.sysid ?? 1;
  const compid = options.compid ?? 1;
  const protocol = options.v2 === false ? new MavLinkProtocolV1(sysid, compid) : new MavLinkProtocolV2(sysid, compid);
  return protocol.serialize(message, options.seq ?? 0);
}

/** A vehicle heartbeat: ArduCopter quad, armed or not, in a given custom mode. */
export function copterHeartbeat(armed: boolean, customMode: number): minimal.Heartbeat {
  const hb = new minimal.Heartbeat();
  hb.type = minimal.MavType.QUADROTOR;
  hb.autopilot = minimal.MavAutopilot.ARDUPILOTMEGA;
  hb.baseMode = minimal.MavModeFlag.CUSTOM_MODE_ENABLED | (armed ? minimal.MavModeFlag.SAFETY_ARMED : 0);
  hb.customMode = customMode;
  hb.systemStatus = minimal.MavState.ACTIVE;
  hb.mavlinkVersion = 3;
  return hb;
}

export function globalPosition(timeBootMs: number, lat: number, lon: number, relAltM: number): common.GlobalPositionInt {
  const pos = new common.GlobalPositionInt();
  pos.timeBootMs = timeBootMs;
  pos.lat = Math.round(lat * 1e7);
  pos.lon = Math.round(lon * 1e7);
  pos.alt = Math.round((584 + relAltM) * 1000);
  pos.relativeAlt = Math.round(relAltM * 1000);
  pos.vx = 300;
  pos.vy = 400;
  pos.vz = -50;
  pos.hdg = 9000;
  return pos;
}
