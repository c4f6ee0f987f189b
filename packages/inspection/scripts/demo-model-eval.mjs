// @ts-check
/** Scoring the demo classifier: the detector's decision rule, confusion matrix, precision and recall. */

const round = (/** @type {number} */ x) => Math.round(x * 10000) / 10000;

/**
 * The detector's decision: the most probable damage class if it reaches its threshold, else "none". Without
 * thresholds: the most probable class (argmax).
 * @param {Float32Array} probs @param {number} i @param {number[] | null} thr @param {number} K classes
 */
export function decide(probs, i, thr, K) {
  if (!thr) {
    let arg = 0;
    for (let c = 1; c < K; c++) if ((probs[i * K + c] ?? 0) > (probs[i * K + arg] ?? 0)) arg = c;
    return arg;
  }
  let best = 0;
  let bp = -1;
  for (let c = 1; c < K; c++) {
    const p = probs[i * K + c] ?? 0;
    if (p > bp) {
      bp = p;
      best = c;
    }
  }
  return bp >= (thr[best] ?? 0.5) ? best : 0;
}

/**
 * Confusion matrix (rows true, columns decided) and per-class precision/recall over items [0, n).
 * @param {readonly string[]} CLASSES
 * @param {Float32Array} probs @param {Uint8Array} labels @param {number} n @param {number[] | null} thr
 */
export function evaluate(CLASSES, probs, labels, n, thr) {
  const confusion = CLASSES.map(() => CLASSES.map(() => 0));
  for (let i = 0; i < n; i++) {
    const row = confusion[labels[i] ?? 0];
    if (row) row[decide(probs, i, thr, CLASSES.length)] += 1;
  }
  const perClass = Object.fromEntries(
    CLASSES.map((name, c) => {
      const tp = confusion[c]?.[c] ?? 0;
      const predicted = confusion.reduce((s, r) => s + (r[c] ?? 0), 0);
      const actual = (confusion[c] ?? []).reduce((s, v) => s + v, 0);
      const precision = predicted ? tp / predicted : 0;
      const recall = actual ? tp / actual : 0;
      const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
      return [name, { precision: round(precision), recall: round(recall), f1: round(f1), support: actual }];
    }),
  );
  const correct = confusion.reduce((s, r, c) => s + (r[c] ?? 0), 0);
  return { accuracy: round(correct / n), perClass, confusion };
}

