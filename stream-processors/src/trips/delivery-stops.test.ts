import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { metresPerDegree, type TripEvent } from '@fieldtrace/protocol';
import { readZipTextFiles, sharedFixture } from '@fieldtrace/testkit';
import { T0 } from '../test-support/tracks.js';
import { createTripState, stepTripFix } from './trip-core.js';
import type { TripOptions } from './trip-options.js';

// Real delivery-driver traces with per-point ground truth (Eftelioglu et al., IWCTS 2022; CC-BY-4.0): 805 six-minute
// chunks, a fix every ~5 s, x/y in metres, each point labelled Driving or OnFoot. OnFoot means the van is parked
// at a delivery, so it is what a stop should cover. The phone rides with the driver, not the van: a driver who
// walks more than the drift radius from the van moves the "vehicle", which no vehicle tracker would see.
const ZIP = sharedFixture('fixtures/trajectories/amazon-delivery-goal-trajectories.zip');
const skip = existsSync(ZIP) ? false : `fixture absent: ${ZIP} (see shared/fixtures/trajectories/README.md)`;

/** Delivery stops are short (median 64 s on foot): a delivery tenant would configure stops from 30 s. */
const DELIVERY: Partial<TripOptions> = { stopMinS: 30 };
const ORIGIN_LAT = 47.6;
const ORIGIN_LON = -122.3;

interface LabelledTrack {
  deviceId: string;
  ts: number[];
  lat: number[];
  lon: number[];
  onFoot: boolean[];
}

let cached: LabelledTrack[] | null = null;

/** Every chunk as its own device, projected onto an arbitrary origin and moved to a valid event time. */
function tracks(): LabelledTrack[] {
  if (cached) return cached;
  const m = metresPerDegree(ORIGIN_LAT);
  cached = [];
  for (const [name, text] of readZipTextFiles(ZIP, (n) => n.endsWith('.csv'))) {
    const lines = text.trim().split('\n');
    assert.equal(lines[0]!.trim(), 'timestamp,x,y,groundtruth', name);
    const track: LabelledTrack = { deviceId: name.slice(name.lastIndexOf('/') + 1, -4), ts: [], lat: [], lon: [], onFoot: [] };
    let shift = 0;
    for (let i = 1; i < lines.length; i++) {
      const [stamp, x, y, label] = lines[i]!.split(',') as [string, string, string, string];
      const ts = parseStamp(stamp);
      if (i === 1) shift = T0 - ts; // recorded in 1964 (anonymised), before any valid event time
      track.ts.push(ts + shift);
      track.lat.push(ORIGIN_LAT + Number(y) / m.lat);
      track.lon.push(ORIGIN_LON + Number(x) / m.lon);
      track.onFoot.push(label.trim() === 'OnFoot');
    }
    cached.push(track);
  }
  return cached;
}

/** `YYYY-MM-DD HH:MM:SS` with an optional fraction of up to nine digits, UTC, to Unix ms. */
function parseStamp(stamp: string): number {
  const whole = Date.parse(`${stamp.slice(0, 10)}T${stamp.slice(11, 19)}Z`);
  assert.ok(Number.isFinite(whole), `timestamp ${stamp}`);
  return stamp.length > 20 ? whole + Math.round(Number(`0${stamp.slice(19)}`) * 1000) : whole;
}

/** Per point: inside a reported stop (from stop_start to stop_end, or to the end when it never ended). */
function stoppedPoints(track: LabelledTrack, events: readonly TripEvent[]): boolean[] {
  const stopped: boolean[] = new Array<boolean>(track.ts.length).fill(false);
  let from: number | null = null;
  const mark = (a: number, b: number) => track.ts.forEach((t, i) => (stopped[i] ||= t >= a && t <= b));
  for (const e of events) {
    if (e.kind === 'stop_start') from = e.ts;
    else if (e.kind === 'stop_end') {
      mark(from!, e.ts);
      from = null;
    }
  }
  if (from !== null) mark(from, Number.POSITIVE_INFINITY);
  return stopped;
}

interface Score {
  accuracy: number;
  precision: number;
  recall: number;
  /** OnFoot spells of at least `longS` with at least 80% of their points inside a stop, as a share of all such spells. */
  longSpellsFound: number;
}

function score(predict: (track: LabelledTrack) => boolean[], longS: number): Score {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  let spells = 0;
  let found = 0;
  for (const track of tracks()) {
    const stopped = predict(track);
    let spellStart = -1;
    let inStop = 0;
    for (let i = 0; i <= track.ts.length; i++) {
      const onFoot = i < track.ts.length && track.onFoot[i]!;
      if (onFoot && spellStart < 0) {
        spellStart = i;
        inStop = 0;
      }
      if (!onFoot && spellStart >= 0) {
        if (track.ts[i - 1]! - track.ts[spellStart]! >= longS * 1000) {
          spells++;
          if (inStop >= 0.8 * (i - spellStart)) found++;
        }
        spellStart = -1;
      }
      if (i === track.ts.length) break;
      if (stopped[i] && onFoot) tp++;
      else if (stopped[i]) fp++;
      else if (onFoot) fn++;
      else tn++;
      if (onFoot && stopped[i]) inStop++;
    }
  }
  return { accuracy: (tp + tn) / (tp + fp + fn + tn), precision: tp / (tp + fp), recall: tp / (tp + fn), longSpellsFound: found / spells };
}

function detector(opts: Partial<TripOptions>): (track: LabelledTrack) => boolean[] {
  const state = createTripState(opts);
  const out: TripEvent[] = [];
  return (track) => {
    out.length = 0;
    for (let i = 0; i < track.ts.length; i++) {
      stepTripFix(state, { tenantId: 'amzn', deviceId: track.deviceId, ts: track.ts[i]!, lat: track.lat[i]!, lon: track.lon[i]! }, out);
    }
    return stoppedPoints(track, out);
  };
}

/** The naive alternative: each fix whose displacement since the previous one is under 2 m/s is "stopped". */
function slowFixes(track: LabelledTrack): boolean[] {
  const m = metresPerDegree(ORIGIN_LAT);
  return track.ts.map((t, i) => {
    if (i === 0) return false;
    const dy = (track.lat[i]! - track.lat[i - 1]!) * m.lat;
    const dx = (track.lon[i]! - track.lon[i - 1]!) * m.lon;
    return Math.hypot(dx, dy) / ((t - track.ts[i - 1]!) / 1000) <= 2;
  });
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

test('real delivery traces: with delivery thresholds, stops cover the time the driver was on foot', { skip }, (t) => {
  const s = score(detector(DELIVERY), 60);
  const naive = score(slowFixes, 60);
  t.diagnostic(`stopMinS 30 s: accuracy ${pct(s.accuracy)}, precision ${pct(s.precision)}, recall ${pct(s.recall)}, on-foot spells >= 60 s found ${pct(s.longSpellsFound)}`);
  t.diagnostic(`per-fix speed <= 2 m/s: accuracy ${pct(naive.accuracy)}`);
  // Measured (57,960 points): accuracy 87.6%, precision 83.2%, recall 97.8%, spells 98.9%; per-fix speed 85.9%.
  // Most misses are the fix or two around each boundary (the van rolling in or out inside the drift radius, or
  // labels switching when the driver gets out, not when the van stops), and drivers walking beyond 40 m.
  assert.ok(s.accuracy >= 0.86, `accuracy ${pct(s.accuracy)}`);
  assert.ok(s.precision >= 0.81, `precision ${pct(s.precision)}`);
  assert.ok(s.recall >= 0.96, `recall ${pct(s.recall)}`);
  assert.ok(s.longSpellsFound >= 0.97, `on-foot spells found ${pct(s.longSpellsFound)}`);
  assert.ok(s.accuracy > naive.accuracy, 'better than calling every slow fix a stop');
});

test('real delivery traces: with the default thresholds, the longer deliveries are stops and little driving is', { skip }, (t) => {
  const s = score(detector({}), 150);
  t.diagnostic(`defaults (stopMinS 120 s): accuracy ${pct(s.accuracy)}, precision ${pct(s.precision)}, recall ${pct(s.recall)}, on-foot spells >= 150 s found ${pct(s.longSpellsFound)}`);
  // Measured: precision 88.7%, spells 87.3%; recall 59.2% because most deliveries are shorter than two minutes,
  // which the default does not call a stop by design. Spells missed are mostly drivers walking 50-300 m away.
  assert.ok(s.precision >= 0.86, `precision ${pct(s.precision)}`);
  assert.ok(s.longSpellsFound >= 0.84, `on-foot spells >= 150 s found ${pct(s.longSpellsFound)}`);
});
