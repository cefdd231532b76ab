/** Binary classification metrics and latency percentiles for `rampart eval` and training reports. */

export interface Counts {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

export interface BinaryMetrics extends Counts {
  n: number;
  precision: number;
  recall: number;
  f1: number;
  /** False positive rate on the negatives. */
  fpr: number;
}

export function countBinary(labels: readonly boolean[], flagged: readonly boolean[]): Counts {
  const c = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = 0; i < labels.length; i++) {
    if (labels[i]) flagged[i] ? c.tp++ : c.fn++;
    else flagged[i] ? c.fp++ : c.tn++;
  }
  return c;
}

/** Ratios are 0 when undefined (no predictions, no positives) so JSON output never carries NaN. */
function ratio(a: number, b: number): number {
  return b === 0 ? 0 : a / b;
}

export function metricsFromCounts(c: Counts): BinaryMetrics {
  const precision = ratio(c.tp, c.tp + c.fp);
  const recall = ratio(c.tp, c.tp + c.fn);
  return {
    ...c,
    n: c.tp + c.fp + c.tn + c.fn,
    precision,
    recall,
    f1: ratio(2 * precision * recall, precision + recall),
    fpr: ratio(c.fp, c.fp + c.tn),
  };
}

export function binaryMetrics(labels: readonly boolean[], flagged: readonly boolean[]): BinaryMetrics {
  return metricsFromCounts(countBinary(labels, flagged));
}

/** Nearest-rank percentile (p in 0..100) of unsorted values; 0 for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function round(x: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
