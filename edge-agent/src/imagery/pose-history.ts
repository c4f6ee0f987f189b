import type { Reading } from '../sources/source.js';
import type { ImagePose, PoseLookup } from './image-pose.js';

export interface PoseHistory {
  /** Feed it every reading the agent sees; keeps MAVLink `image` (camera trigger) and `drone` poses. */
  record(reading: Reading): void;
  poseAt: PoseLookup;
}

interface Entry {
  ts: number;
  pose: ImagePose;
}

/**
 * The autopilot's recent poses, for pictures whose files carry none. A camera-trigger pose (`image`) within
 * `toleranceMs` beats a telemetry pose (`drone`), because it was taken at the shutter; the nearest in time wins.
 * `toleranceMs` absorbs the camera clock's drift against GPS time (a few seconds is typical).
 */
export function createPoseHistory(opts: { toleranceMs?: number; capacity?: number } = {}): PoseHistory {
  const toleranceMs = opts.toleranceMs ?? 3000;
  // A whole survey flight at 2 Hz (68 min): pictures are often copied off the card after landing.
  const capacity = opts.capacity ?? 8192;
  const captures: Entry[] = [];
  const telemetry: Entry[] = [];

  const push = (list: Entry[], entry: Entry) => {
    list.push(entry);
    if (list.length > capacity) list.splice(0, list.length - capacity);
  };
  const nearest = (list: Entry[], ts: number): Entry | undefined => {
    let best: Entry | undefined;
    for (const e of list) {
      const dt = Math.abs(e.ts - ts);
      if (dt <= toleranceMs && (!best || dt < Math.abs(best.ts - ts))) best = e;
    }
    return best;
  };

  return {
    record(reading) {
      if (reading.kind === 'image') {
        const { imageId: _id, uri: _uri, ...pose } = reading.body;
        push(captures, { ts: pose.ts, pose });
      } else if (reading.kind === 'drone') {
        const b = reading.body;
        push(telemetry, { ts: b.ts, pose: { ts: b.ts, lat: b.lat, lon: b.lon, altRel: b.altRel, roll: b.roll, pitch: b.pitch, yaw: b.yaw } });
      }
    },
    poseAt(ts) {
      const hit = nearest(captures, ts) ?? nearest(telemetry, ts);
      if (!hit) return undefined;
      const pose: ImagePose = {};
      for (const [k, v] of Object.entries(hit.pose)) if (v !== undefined) (pose as Record<string, unknown>)[k] = v;
      return pose;
    },
  };
}
