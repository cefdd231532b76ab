/**
 * L2-regularised logistic regression by SGD over sparse, hashed, length-normalised presence features.
 * The objective matches the runtime scorer exactly: logit = bias + sum(w[idx]) / sqrt(n).
 */
import { createRng, shuffle } from './rng.js';

export interface SparseRow {
  indices: Int32Array;
  label: 0 | 1;
  /** Sample weight (class and source balancing). */
  weight: number;
  /** Dense cue features, added to the logit unscaled: logit += sum(d[j] * dense[j]). */
  dense?: Float32Array;
}

export interface LogRegOptions {
  buckets: number;
  epochs: number;
  /** L2 strength per example. */
  lambda: number;
  lr0: number;
  seed: number;
  /** Number of dense features (0: none). */
  dense?: number;
  /** L2 on dense weights relative to `lambda` (they are few and general, so shrunk less). */
  denseLambdaFactor?: number;
  /**
   * Prior mean of each dense weight: training starts there and the L2 pulls toward it rather than
   * toward 0, so a cue no training row shows (a source held out) keeps its reviewed prior.
   */
  densePrior?: readonly number[];
}

export interface LinearWeights {
  weights: Float32Array;
  bias: number;
  dense: Float32Array;
}

export function trainLogReg(rows: readonly SparseRow[], o: LogRegOptions): LinearWeights {
  const v = new Float64Array(o.buckets);
  let scale = 1;
  let bias = 0;
  const rng = createRng(o.seed);
  const order = rows.map((_, i) => i);
  let t = 0;
  const prior = Float64Array.from({ length: o.dense ?? 0 }, (_, j) => o.densePrior?.[j] ?? 0);
  const d = Float64Array.from(prior);
  const dLambda = o.lambda * (o.denseLambdaFactor ?? 1);
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    shuffle(order, rng);
    for (const r of order) {
      const row = rows[r];
      const n = row.indices.length;
      if (n === 0) continue;
      const inv = 1 / Math.sqrt(n);
      let dot = 0;
      for (let k = 0; k < n; k++) dot += v[row.indices[k]];
      let z = bias + dot * scale * inv;
      const x = row.dense;
      if (x) for (let j = 0; j < d.length; j++) z += d[j] * x[j];
      const p = z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
      const g = (p - row.label) * row.weight;
      // Bottou's schedule: large steps early, 1/t decay keeps the L2 optimum stable.
      const lr = o.lr0 / (1 + o.lr0 * o.lambda * t);
      t++;
      scale *= 1 - lr * o.lambda;
      if (scale < 1e-9) {
        for (let k = 0; k < v.length; k++) v[k] *= scale;
        scale = 1;
      }
      const step = (lr * g * inv) / scale;
      for (let k = 0; k < n; k++) v[row.indices[k]] -= step;
      bias -= lr * g * 0.1;
      if (x) for (let j = 0; j < d.length; j++) d[j] -= lr * (g * x[j] + dLambda * (d[j] - prior[j]));
    }
  }
  const weights = new Float32Array(o.buckets);
  for (let k = 0; k < v.length; k++) weights[k] = v[k] * scale;
  return { weights, bias, dense: Float32Array.from(d) };
}
