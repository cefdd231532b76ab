/** Platt scaling and threshold selection on out-of-fold scores (never on training fit). */
import { binaryMetrics } from '../../src/guardrails/eval/metrics.js';

export function fitPlatt(logits: readonly number[], labels: readonly boolean[]): { a: number; b: number } {
  // Gradient descent on standardised inputs (margins and logits come in very different scales),
  // then mapped back to the raw scale.
  const n = logits.length;
  if (n === 0) return { a: 1, b: 0 };
  const mean = logits.reduce((s, x) => s + x, 0) / n;
  const sd = Math.sqrt(logits.reduce((s, x) => s + (x - mean) ** 2, 0) / n) || 1;
  let a = 1;
  let b = 0;
  for (let it = 0; it < 4000; it++) {
    let ga = 0;
    let gb = 0;
    for (let i = 0; i < n; i++) {
      const x = (logits[i] - mean) / sd;
      const z = a * x + b;
      const p = z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
      const d = p - (labels[i] ? 1 : 0);
      ga += d * x;
      gb += d;
    }
    a -= (1.0 * ga) / n;
    b -= (1.0 * gb) / n;
  }
  return { a: a / sd, b: b - (a * mean) / sd };
}

/** Smallest threshold whose false positive rate on the negatives is at most `maxFpr`. */
export function thresholdForFpr(scores: readonly number[], labels: readonly boolean[], maxFpr: number): number {
  const neg = scores.filter((_, i) => !labels[i]).sort((x, y) => y - x);
  const allowed = Math.floor(maxFpr * neg.length);
  // Flag strictly above the (allowed+1)-th highest negative.
  const pivot = neg[allowed] ?? 0;
  return Math.min(1, nextUp(pivot));
}

function nextUp(x: number): number {
  return x + Math.max(1e-9, Math.abs(x) * 1e-9);
}

/** Threshold maximising F1 over the distinct score values. */
export function thresholdForBestF1(scores: readonly number[], labels: readonly boolean[]): number {
  const candidates = [...new Set(scores)].sort((x, y) => x - y);
  let best = 0.5;
  let bestF1 = -1;
  // Evaluate on a thinned grid: at most 400 candidate cut points.
  const stride = Math.max(1, Math.floor(candidates.length / 400));
  for (let i = 0; i < candidates.length; i += stride) {
    const t = candidates[i];
    const f1 = binaryMetrics(labels, scores.map((s) => s >= t)).f1;
    if (f1 > bestF1) {
      bestF1 = f1;
      best = t;
    }
  }
  return best;
}

/** Largest threshold that keeps recall at least `minRecall`. */
export function thresholdForRecall(scores: readonly number[], labels: readonly boolean[], minRecall: number): number {
  const pos = scores.filter((_, i) => labels[i]).sort((x, y) => y - x);
  if (pos.length === 0) return 0.5;
  const k = Math.min(pos.length - 1, Math.ceil(minRecall * pos.length) - 1);
  return pos[Math.max(0, k)];
}

/**
 * Isotonic regression (pool adjacent violators): a non-decreasing step function from score to the
 * observed rate of positives. Returned as the lower edge of each step and its value.
 */
export function fitIsotonic(xs: readonly number[], ys: readonly boolean[]): { edges: number[]; values: number[] } {
  const order = xs.map((x, i) => ({ x, y: ys[i] ? 1 : 0 })).sort((a, b) => a.x - b.x);
  const blocks: Array<{ lo: number; sum: number; n: number }> = [];
  for (const p of order) {
    blocks.push({ lo: p.x, sum: p.y, n: 1 });
    while (blocks.length > 1) {
      const last = blocks[blocks.length - 1];
      const prev = blocks[blocks.length - 2];
      if (prev.sum / prev.n < last.sum / last.n) break;
      prev.sum += last.sum;
      prev.n += last.n;
      blocks.pop();
    }
  }
  return {
    edges: blocks.map((b) => Math.round(b.lo * 1e6) / 1e6),
    values: blocks.map((b) => Math.round((b.sum / b.n) * 1e4) / 1e4),
  };
}
