import { readFileSync } from 'node:fs';
import { sharedFixture } from '@fieldtrace/testkit';

/** Readers for the real GPS traces in ../shared/fixtures/trajectories (see the README there). Tests only. */

export interface TrackPoint {
  vehicle: string;
  trip: string;
  ts: number;
  lat: number;
  lon: number;
}

export const LIVERPOOL_CSV = sharedFixture('fixtures/trajectories/liverpool-route14-outbound.csv');
export const LIMERICK_GPX = sharedFixture('fixtures/trajectories/limerick-304-2019-02-18.gpx');

/** Arriva route 14 outbound: 16 trips by 8 buses; sorted by event time (as they would arrive live). */
export function readLiverpool(path = LIVERPOOL_CSV): TrackPoint[] {
  const lines = readFileSync(path, 'utf8').trim().split('\n');
  const header = lines[0]!.split(',').map((h) => h.replace(/"/g, ''));
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`column ${name} missing from ${header.join(',')}`);
    return i;
  };
  const [vehicle, trip, timestamp, latitude, longitude] = ['vehicle_id', 'trip_id', 'timestamp', 'latitude', 'longitude'].map(col);
  const rows = lines.slice(1).map((line) => {
    const f = line.split(',').map((v) => v.replace(/"/g, ''));
    return {
      vehicle: f[vehicle!]!,
      trip: f[trip!]!,
      ts: Date.parse(`${f[timestamp!]!.replace(' ', 'T')}Z`),
      lat: Number(f[latitude!]),
      lon: Number(f[longitude!]),
    };
  });
  return rows.sort((a, b) => a.ts - b.ts);
}

/** The Limerick 304 ride: one bus, one trip, fixes at ~1 s. */
export function readLimerick(path = LIMERICK_GPX): TrackPoint[] {
  const xml = readFileSync(path, 'utf8');
  const out: TrackPoint[] = [];
  const re = /<trkpt lat="([-\d.]+)" lon="([-\d.]+)">[\s\S]*?<time>([^<]+)<\/time>/g;
  for (let m = re.exec(xml); m; m = re.exec(xml)) out.push({ vehicle: '304', trip: '304.1', ts: Date.parse(m[3]!), lat: Number(m[1]), lon: Number(m[2]) });
  return out;
}
