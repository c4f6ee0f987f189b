/**
 * bench/roof-findings — what an inspection gets right, end to end: synthetic roofs (procedural shingles with hail,
 * missing and lifted shingles, vents as distractors, varied lighting) flown in a lawnmower pattern, every picture
 * through the model, onto the roof plane and clustered into findings — then matched against where the damage was
 * drawn. Reports finding-level precision and recall per class and the position error of matched findings.
 *
 * This measures the shipped demo model on data drawn by the same generator it was trained on (different seeds): it
 * says the pipeline works and how the demo model behaves, not how any model does on real roofs.
 *
 * Usage: npm run bench:roof-findings -- [--roofs 6] [--model path.onnx] [--threshold 0.9 | --thresholds '{"hail":0.98}'] [--altitude 14]
 */
import { parseArgs } from 'node:util';
import {
  clusterFindings, DEMO_MODEL_PATH, inspectImage, lawnmowerPoses, loadCameraProfiles, loadDetector, makeRoofScene, renderView,
  roofOutlineLonLat, damageLonLat, SHIPPED_PROFILE_DIR, type GroundDetection,
} from '@fieldtrace/inspection';
import { haversineM } from '@fieldtrace/protocol';
import { fmt, median } from './stats.js';

const { values: args } = parseArgs({
  options: {
    roofs: { type: 'string', default: '6' },
    model: { type: 'string' },
    threshold: { type: 'string' },
    thresholds: { type: 'string' },
    altitude: { type: 'string', default: '14' },
    'match-m': { type: 'string', default: '1' },
    /** Roofs use seeds from here: the shipped thresholds were chosen on seeds 7000+, the figures are reported on 9000+. */
    seed: { type: 'string', default: '9000' },
  },
});
const ROOFS = Math.max(1, Number(args.roofs));
const MATCH_M = Number(args['match-m']);
const CLASSES = ['hail', 'missing_shingle', 'lifted_shingle'] as const;

const threshold = args.threshold === undefined ? undefined : Number(args.threshold);
/** --threshold 0.9 sets every class; --thresholds '{"hail":0.98}' sets some (both override the model's sidecar). */
const thresholds: Record<string, number> = {
  ...(threshold === undefined ? {} : Object.fromEntries(CLASSES.map((c) => [c, threshold]))),
  ...(args.thresholds ? (JSON.parse(args.thresholds) as Record<string, number>) : {}),
};
const detector = await loadDetector({
  modelPath: args.model ?? DEMO_MODEL_PATH,
  ...(Object.keys(thresholds).length > 0 ? { thresholds } : {}),
});
const cameras = await loadCameraProfiles(SHIPPED_PROFILE_DIR);
// Quarter-size pictures (1368 × 912) with the 20 MP camera's field of view: the same ground detail per metre as a
// 20 MP picture from four times as high, and a run that takes minutes rather than an hour.
const cam = cameras.forImage('ground-station-default', 1368, 912)!;

const perClass = new Map<string, { tp: number; fp: number; fn: number }>(CLASSES.map((c) => [c, { tp: 0, fp: 0, fn: 0 }]));
const errors: number[] = [];
let images = 0;
let outsideFlagged = 0;
/** False positives on the roof: findings outside it are flagged for a person and never priced. */
let fpOnRoof = 0;
const started = performance.now();

for (let r = 0; r < ROOFS; r++) {
  const seed = Number(args.seed) + r;
  const origin = { lat: 43.73 + r * 0.001, lon: 7.42 + r * 0.001 };
  const widthM = 12 + (r % 3) * 3;
  const depthM = 8 + (r % 2) * 3;
  const heightM = 3 + (r % 3);
  const scene = makeRoofScene({ origin, widthM, depthM, heightM, yawDeg: (r * 37) % 90, damages: 4 + (r % 3), seed });
  const poses = lawnmowerPoses(origin, {
    widthM: widthM + 2, depthM: depthM + 2, altRelM: heightM + Number(args.altitude) - 4, laneSpacingM: 5, spacingM: 3.5,
    startTs: Date.UTC(2026, 5, 1, 10) + r * 3_600_000, speedMps: 3,
  });
  const found: GroundDetection[] = [];
  for (let i = 0; i < poses.length; i++) {
    const image = renderView(scene, cam, poses[i]!);
    const result = await inspectImage(detector, cameras, { imageId: `r${r}-${i}`, source: image, pose: poses[i]! }, { planeHeightM: heightM });
    found.push(...result.detections);
    images++;
  }
  const findings = clusterFindings(found, { roofOutline: roofOutlineLonLat(scene), idPrefix: `r${r}` });
  outsideFlagged += findings.filter((f) => f.outsideRoof).length;
  const truths = scene.damages.map((d) => ({ kind: d.kind, ...damageLonLat(scene, d), matched: false }));
  for (const f of findings) {
    const hit = truths
      .filter((t) => !t.matched && t.kind === f.className)
      .map((t) => ({ t, d: haversineM(f.lat, f.lon, t.lat, t.lon) }))
      .filter((x) => x.d <= MATCH_M)
      .sort((a, b) => a.d - b.d)[0];
    const counts = perClass.get(f.className) ?? { tp: 0, fp: 0, fn: 0 };
    perClass.set(f.className, counts);
    if (hit) {
      hit.t.matched = true;
      counts.tp++;
      errors.push(hit.d);
    } else {
      counts.fp++;
      if (!f.outsideRoof) fpOnRoof++;
    }
  }
  for (const t of truths) if (!t.matched) perClass.get(t.kind)!.fn++;
  const tp = truths.filter((t) => t.matched).length;
  console.log(`roof ${r + 1}/${ROOFS}: ${poses.length} pictures, ${truths.length} damages, ${findings.length} findings, ${tp} matched`);
}
await detector.close();

console.log(`\nbench/roof-findings — ${detector.name}, ${ROOFS} synthetic roofs, ${images} pictures (1368×912), match within ${MATCH_M} m, thresholds ${Object.keys(thresholds).length > 0 ? JSON.stringify(thresholds) : 'from the model'}`);
let tpAll = 0;
let fpAll = 0;
let fnAll = 0;
for (const [cls, c] of perClass) {
  tpAll += c.tp;
  fpAll += c.fp;
  fnAll += c.fn;
  console.log(`  ${cls.padEnd(16)} precision ${ratio(c.tp, c.tp + c.fp)}  recall ${ratio(c.tp, c.tp + c.fn)}  (tp ${c.tp}, fp ${c.fp}, fn ${c.fn})`);
}
console.log(`  ${'all'.padEnd(16)} precision ${ratio(tpAll, tpAll + fpAll)}  recall ${ratio(tpAll, tpAll + fnAll)}`);
console.log(`  on the roof only (what is priced): precision ${ratio(tpAll, tpAll + fpOnRoof)} (${fpOnRoof} false findings on roofs)`);
console.log(`  position error of matched findings: median ${fmt(median(errors), 2)} m, max ${fmt(Math.max(0, ...errors), 2)} m`);
console.log(`  findings flagged outside the roof: ${outsideFlagged}`);
console.log(`  ${fmt((performance.now() - started) / 1000, 1)} s (${fmt((performance.now() - started) / images, 0)} ms per picture incl. rendering)`);

function ratio(a: number, b: number): string {
  return b === 0 ? '  – ' : (a / b).toFixed(2);
}
