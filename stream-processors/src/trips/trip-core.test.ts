import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CompiledSchema, offsetLatLon, TripEvent, type TripEventKind } from '@fieldtrace/protocol';
import { fixAt, LIVERPOOL, seededRandom, T0 } from '../test-support/tracks.js';
import { advanceTo, createTripState, stepTripFix, stepTripSignal, type TripFixInput, type TripSignalInput, type TripState } from './trip-core.js';
import { DEFAULT_TRIP_OPTIONS, tripOptions } from './trip-options.js';

type Input = TripFixInput | (TripSignalInput & { signal: true });
type Point = readonly [number, number];

const S = 1000;
const tripEventSchema = new CompiledSchema(TripEvent);

function play(inputs: readonly Input[], state: TripState = createTripState(), out: TripEvent[] = []): TripEvent[] {
  for (const input of inputs) {
    if ('signal' in input) stepTripSignal(state, input, out);
    else stepTripFix(state, input, out);
  }
  return out;
}

function signal(ts: number, fields: Pick<TripSignalInput, 'ignition' | 'engineOn'>): Input {
  return { signal: true, tenantId: 't1', deviceId: 'd1', ts, ...fields };
}

/** A fix every `intervalS` for `durationS` (both ends included), scattered up to ±driftM north and east of `at`. */
function parked(at: Point, fromTs: number, durationS: number, intervalS: number, driftM: number, rand: () => number, extra: Partial<TripFixInput> = {}): TripFixInput[] {
  const out: TripFixInput[] = [];
  for (let s = 0; s <= durationS; s += intervalS) {
    const [lat1, lon1] = offsetLatLon(at[0], at[1], 0, (rand() * 2 - 1) * driftM);
    const [lat, lon] = offsetLatLon(lat1, lon1, 90, (rand() * 2 - 1) * driftM);
    out.push(fixAt(lat, lon, fromTs + s * S, extra));
  }
  return out;
}

/** Fixes every `intervalS` while driving straight from `from` (not included) for `durationS`; and where it ends. */
function driving(from: Point, bearing: number, speedMs: number, fromTs: number, durationS: number, intervalS = 5, extra: Partial<TripFixInput> = {}): { fixes: TripFixInput[]; end: Point } {
  const fixes: TripFixInput[] = [];
  for (let s = intervalS; s <= durationS; s += intervalS) {
    const [lat, lon] = offsetLatLon(from[0], from[1], bearing, speedMs * s);
    fixes.push(fixAt(lat, lon, fromTs + s * S, extra));
  }
  return { fixes, end: offsetLatLon(from[0], from[1], bearing, speedMs * durationS) };
}

function ofKind(events: readonly TripEvent[], kind: TripEventKind): TripEvent[] {
  return events.filter((e) => e.kind === kind);
}

function kinds(events: readonly TripEvent[]): TripEventKind[] {
  return events.map((e) => e.kind);
}

test('a parked vehicle whose GPS wanders ±20 m for an hour, with lone 150 m jumps, makes one stop and no trip', () => {
  const rand = seededRandom(7);
  const fixes = parked(LIVERPOOL, T0, 3600, 10, 20, rand, { accuracy: 10 });
  // A multipath jump every ten minutes: one fix 150 m off, then back.
  for (let i = 60; i < fixes.length - 1; i += 60) {
    const [lat, lon] = offsetLatLon(LIVERPOOL[0], LIVERPOOL[1], 45, 150);
    fixes[i] = fixAt(lat, lon, fixes[i]!.ts, { accuracy: 10 });
  }
  const events = play(fixes);
  assert.deepEqual(kinds(events), ['stop_start']);
  assert.equal(events[0]!.ts, T0, 'the stop dates from the first fix, not from when it was confirmed');

  // The same vehicle then drives off: two fixes away confirm the departure, dated from the last fix that stood
  // still (with this much noise and no reported speed, one of the last few parked fixes).
  const away = driving(LIVERPOOL, 90, 10, T0 + 3600 * S, 60);
  const all = play([...fixes, ...away.fixes]);
  assert.deepEqual(kinds(all), ['stop_start', 'stop_end', 'trip_start']);
  const departedAt = all[2]!.ts;
  assert.ok(departedAt >= T0 + 3570 * S && departedAt <= T0 + 3600 * S, `departed ${(departedAt - T0) / S} s after parking, expected 3570-3600`);
  assert.equal(all[1]!.ts, departedAt);
  assert.equal(all[1]!.durationS, (departedAt - T0) / S);
});

test('a drive between two parkings is one trip, dated from departure to arrival, with its distance and top speed', () => {
  const rand = seededRandom(11);
  const before = parked(LIVERPOOL, T0, 600, 10, 5, rand);
  const drive = driving(LIVERPOOL, 90, 10, T0 + 600 * S, 300);
  const after = parked(drive.end, T0 + 910 * S, 600, 10, 5, rand);
  const events = play([...before, ...drive.fixes, ...after]);
  for (const e of events) assert.ok(tripEventSchema.is(e), tripEventSchema.explain(e));

  assert.deepEqual(kinds(events), ['stop_start', 'stop_end', 'trip_start', 'stop_start', 'trip_end']);
  const [, stopEnd, start, , end] = events as [TripEvent, TripEvent, TripEvent, TripEvent, TripEvent];
  assert.equal(start.ts, T0 + 600 * S, 'departure: the last fix parked');
  assert.equal(stopEnd.ts, start.ts);
  assert.equal(end.reason, 'stopped');
  // Arrival: the first fix that stood still at the destination; the drive's own last fix is 10 s before it.
  assert.equal(end.ts, T0 + 910 * S);
  assert.equal(end.startedAt, start.ts);
  assert.equal(end.durationS, 310);
  assert.ok(Math.abs(end.distanceM! - 3000) < 60, `distance ${end.distanceM} m for a 3,000 m drive`);
  assert.ok(end.maxSpeedMs! > 9 && end.maxSpeedMs! < 12, `top speed ${end.maxSpeedMs} m/s at a steady 10 m/s`);
  assert.equal(start.id, 'trip:t1:d1:trip_start:' + start.ts);
  assert.equal(end.id, 'trip:t1:d1:trip_end:' + start.ts, 'start and end of one trip share its start in their ids');
});

test('a halt shorter than stopMinS (a traffic light) is neither a stop nor an idle, even with the engine on', () => {
  const rand = seededRandom(3);
  const leg1 = driving(LIVERPOOL, 0, 12, T0, 120);
  const light = parked(leg1.end, T0 + 125 * S, 90, 5, 3, rand, { speed: 0 });
  const leg2 = driving(leg1.end, 0, 12, T0 + 215 * S, 120, 5, { speed: 12 });
  const events = play([signal(T0, { ignition: true }), fixAt(LIVERPOOL[0], LIVERPOOL[1], T0), ...leg1.fixes, ...light, ...leg2.fixes]);
  assert.deepEqual(kinds(events), ['trip_start']);
});

test('engine on while standing still is idle from the arrival until the ignition goes off', () => {
  const rand = seededRandom(5);
  const drive = driving(LIVERPOOL, 180, 10, T0, 100, 5, { speed: 10 });
  const arrivalTs = T0 + 110 * S;
  const stand = parked(drive.end, arrivalTs, 600, 10, 3, rand, { speed: 0 });
  const offTs = arrivalTs + 400 * S + 3 * S; // between two fixes
  const inputs: Input[] = [signal(T0 - 30 * S, { ignition: true }), fixAt(LIVERPOOL[0], LIVERPOOL[1], T0 - 20 * S, { speed: 0 }), ...drive.fixes];
  for (const f of stand) {
    if (f.ts === offTs + 7 * S) inputs.push(signal(offTs, { ignition: false }));
    inputs.push(f);
  }
  const events = play(inputs);
  const idleStart = ofKind(events, 'idle_start');
  const idleEnd = ofKind(events, 'idle_end');
  assert.equal(idleStart.length, 1);
  assert.equal(idleEnd.length, 1);
  assert.equal(idleStart[0]!.ts, arrivalTs);
  assert.equal(idleEnd[0]!.ts, offTs);
  assert.equal(idleEnd[0]!.durationS, 403);
  // Standing 5 minutes ended the trip at the arrival already; the ignition going off later changes nothing.
  const tripEnd = ofKind(events, 'trip_end');
  assert.equal(tripEnd.length, 1);
  assert.equal(tripEnd[0]!.reason, 'stopped');
  assert.equal(tripEnd[0]!.ts, arrivalTs);
});

test('an engine started while parked idles from the start until the vehicle drives off', () => {
  const rand = seededRandom(9);
  const stand = parked(LIVERPOOL, T0, 500, 10, 3, rand, { speed: 0 });
  const onTs = T0 + 300 * S;
  const inputs: Input[] = [signal(T0, { ignition: false })];
  for (const f of stand) {
    if (f.ts === onTs) inputs.push(signal(onTs, { ignition: true }));
    inputs.push(f);
  }
  inputs.push(...driving(LIVERPOOL, 270, 10, T0 + 500 * S, 60, 5, { speed: 10 }).fixes);
  const events = play(inputs);
  assert.deepEqual(kinds(events), ['stop_start', 'idle_start', 'stop_end', 'idle_end', 'trip_start']);
  const idleEnd = ofKind(events, 'idle_end')[0]!;
  assert.equal(idleEnd.startedAt, onTs);
  assert.equal(idleEnd.ts, T0 + 500 * S);
  assert.equal(idleEnd.durationS, 200);

  // Ignition on with the engine reported off (accessory position) is not idling.
  const accessory = inputs.map((i) => ('signal' in i && i.ignition ? { ...i, engineOn: false } : i));
  assert.equal(ofKind(play(accessory), 'idle_start').length, 0);
  // Without any engine signal there is no idle at all.
  assert.equal(ofKind(play(inputs.filter((i) => !('signal' in i))), 'idle_start').length, 0);
});

test('ignition off ends the trip at the signal; driving on with the ignition on again is a new trip', () => {
  const rand = seededRandom(13);
  const leg1 = driving(LIVERPOOL, 90, 10, T0, 200, 5, { speed: 10 });
  const stand = parked(leg1.end, T0 + 210 * S, 60, 10, 3, rand, { speed: 0 });
  const leg2 = driving(leg1.end, 90, 10, T0 + 270 * S, 200, 5, { speed: 10 });
  const offTs = T0 + 235 * S;
  const inputs: Input[] = [fixAt(LIVERPOOL[0], LIVERPOOL[1], T0, { speed: 0 }), ...leg1.fixes];
  for (const f of stand) {
    if (f.ts === T0 + 240 * S) inputs.push(signal(offTs, { ignition: false }), signal(offTs + 20 * S, { ignition: true }));
    inputs.push(f);
  }
  inputs.push(...leg2.fixes);
  const events = play(inputs);
  assert.deepEqual(kinds(events), ['trip_start', 'trip_end', 'trip_start']);
  assert.equal(events[1]!.reason, 'ignition_off');
  assert.equal(events[1]!.ts, offTs);
  assert.equal(events[2]!.ts, T0 + 270 * S, 'the second trip starts when the vehicle leaves, not when the ignition goes on');
});

test('a device that falls silent standing still is settled by advanceTo: stopped at its arrival, trip ended', () => {
  const rand = seededRandom(17);
  const drive = driving(LIVERPOOL, 0, 10, T0, 120, 5, { speed: 10 });
  const stand = parked(drive.end, T0 + 130 * S, 40, 10, 3, rand, { speed: 0 });
  const state = createTripState();
  const events = play([fixAt(LIVERPOOL[0], LIVERPOOL[1], T0, { speed: 0 }), ...drive.fixes, ...stand], state);
  assert.deepEqual(kinds(events), ['trip_start']);
  const lastTs = stand.at(-1)!.ts;
  const silenceMs = DEFAULT_TRIP_OPTIONS.silenceS * S;

  assert.equal(advanceTo(state, lastTs + silenceMs - 1, events), 0, 'not silent yet');
  assert.equal(advanceTo(state, lastTs + silenceMs, events), 2);
  assert.deepEqual(kinds(events), ['trip_start', 'stop_start', 'trip_end']);
  assert.equal(events[1]!.ts, T0 + 130 * S);
  assert.equal(events[2]!.ts, T0 + 130 * S);
  assert.equal(events[2]!.reason, 'silence');
  assert.equal(advanceTo(state, lastTs + 10 * silenceMs, events), 0, 'a silence is settled once');
  assert.equal(state.counters.silences, 1);
});

test('a device lost while moving ends its trip at the last fix; it reappears elsewhere as a trip starting then', () => {
  const drive = driving(LIVERPOOL, 0, 10, T0, 120, 5, { speed: 10 });
  const lastTs = drive.fixes.at(-1)!.ts;
  const far = offsetLatLon(LIVERPOOL[0], LIVERPOOL[1], 90, 5000);
  const resumeTs = lastTs + 2 * 3600 * S;
  const resumed = driving(far, 90, 10, resumeTs - 5 * S, 60); // no reported speed: two fixes confirm
  const head: TripFixInput[] = [fixAt(LIVERPOOL[0], LIVERPOOL[1], T0, { speed: 0 }), ...drive.fixes];

  const viaWatermark = createTripState();
  const a = play(head, viaWatermark);
  advanceTo(viaWatermark, lastTs + DEFAULT_TRIP_OPTIONS.silenceS * S, a);
  play(resumed.fixes, viaWatermark, a);
  assert.deepEqual(kinds(a), ['trip_start', 'trip_end', 'trip_start']);
  assert.equal(a[1]!.ts, lastTs);
  assert.equal(a[1]!.reason, 'silence');
  assert.equal(a[2]!.ts, resumeTs, 'dated from the first fix after the silence, not from the last before it');

  // Settled by the watermark or by the next fix, the events are the same.
  assert.deepEqual(play([...head, ...resumed.fixes]), a);
});

test('a fix older than the last one processed is ignored and counted, and changes nothing', () => {
  const rand = seededRandom(19);
  const fixes = parked(LIVERPOOL, T0, 600, 10, 5, rand);
  const [farLat, farLon] = offsetLatLon(LIVERPOOL[0], LIVERPOOL[1], 0, 800);
  const withLate = [...fixes];
  withLate.splice(40, 0, fixAt(farLat, farLon, fixes[20]!.ts + 5 * S, { speed: 15 }), fixAt(farLat, farLon, fixes[39]!.ts, { speed: 15 }));
  const state = createTripState();
  const events = play(withLate, state);
  assert.equal(state.counters.staleFixes, 2, 'one older, one with the same time as the last');
  assert.deepEqual(events, play(fixes));
  assert.deepEqual(kinds(events), ['stop_start']);
});

test('signals older than the last signal are dropped; those older than the last fix take effect as of that fix', () => {
  const drive = driving(LIVERPOOL, 0, 10, T0, 120, 5, { speed: 10 });
  const state = createTripState();
  const events = play([fixAt(LIVERPOOL[0], LIVERPOOL[1], T0, { speed: 0 }), ...drive.fixes, signal(T0 + 100 * S, { ignition: false }), signal(T0 + 90 * S, { ignition: true })], state);
  assert.equal(state.counters.lateSignals, 1);
  assert.equal(state.counters.staleSignals, 1);
  assert.deepEqual(kinds(events), ['trip_start', 'trip_end']);
  assert.equal(events[1]!.ts, T0 + 120 * S, 'the trip cannot end before a fix that saw it moving');
});

test('replaying the same inputs gives identical events with unique ids, valid on the wire', () => {
  const build = (): Input[] => {
    const rand = seededRandom(23);
    const inputs: Input[] = [signal(T0, { ignition: true }), ...parked(LIVERPOOL, T0, 400, 10, 15, rand)];
    let at: Point = LIVERPOOL;
    let ts = T0 + 400 * S;
    for (let leg = 0; leg < 6; leg++) {
      const d = driving(at, leg * 60, 8 + leg, ts, 180, 5);
      inputs.push(...d.fixes);
      at = d.end;
      ts += 190 * S;
      const standS = [30, 150, 400][leg % 3]!;
      inputs.push(...parked(at, ts, standS, 10, 15, rand));
      if (leg === 3) inputs.push(signal(ts + standS * S, { ignition: false }), signal(ts + standS * S + 1, { ignition: true }));
      ts += (standS + 10) * S;
    }
    return inputs;
  };
  const first = play(build());
  const second = play(build());
  assert.deepEqual(second, first);
  assert.ok(first.length >= 12, `a busy day makes events (${first.length})`);
  assert.equal(new Set(first.map((e) => e.id)).size, first.length, 'ids are unique');
  for (const e of first) assert.ok(tripEventSchema.is(e), tripEventSchema.explain(e));
  for (const kind of ['trip_start', 'trip_end', 'stop_start', 'stop_end', 'idle_start', 'idle_end'] as const) {
    assert.ok(ofKind(first, kind).length > 0, `the scenario exercises ${kind}`);
  }
});

test('invalid options are refused at creation, all problems at once', () => {
  assert.throws(() => tripOptions({ stopMinS: 0, driftRadiusM: Number.NaN }), (err: Error) => /stopMinS/.test(err.message) && /driftRadiusM/.test(err.message));
  assert.throws(() => createTripState({ driftRadiusM: 200, maxDriftRadiusM: 100 }), /maxDriftRadiusM/);
});
