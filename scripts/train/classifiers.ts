/**
 * Training recipe for one linear classifier: stratified k-fold CV for calibration and thresholds,
 * leave-one-group-out CV for an honest view of generalisation, then a final fit on all rows.
 */
import { cueFeatures, CUE_NAMES, type CueSet } from '../../src/guardrails/detectors/learned/cues.js';
import { hashFeatures, type FeatureSpec } from '../../src/guardrails/detectors/learned/features.js';
import { combinedLogit, sigmoid, type LinearParams, type Thresholds } from '../../src/guardrails/detectors/learned/linear.js';
import { quantize } from '../../src/guardrails/detectors/learned/model-file.js';
import type { LabelledRow } from '../../src/guardrails/eval/dataset.js';
import { binaryMetrics, round, type BinaryMetrics } from '../../src/guardrails/eval/metrics.js';
import { fitPlatt, thresholdForBestF1, thresholdForFpr, thresholdForRecall } from './calibrate.js';
import { trainLogReg, type SparseRow } from './logreg.js';
import { Vocabularies, type VocabularyRecipe } from './vocabulary.js';
import type { WordTable } from '../../src/guardrails/detectors/learned/vocabulary.js';
import { createRng, shuffle } from './rng.js';

export interface ClassifierRecipe {
  name: string;
  spec: FeatureSpec;
  windowFeatures: number;
  lambda: number;
  epochs: number;
  lr0: number;
  /** `fpr`: MEDIUM at <= 1% false positives (prompt attack); `f1`: MEDIUM at the best F1. */
  thresholdPolicy: 'fpr' | 'f1';
  /**
   * Rows the thresholds are chosen on: `primary` (the set's own rows; the targets are about that
   * kind of data) or `all` (borrowed negatives too, which trades recall for fewer false alarms on
   * ordinary text).
   */
  thresholdRows: 'primary' | 'all';
  /** Down-weights large near-duplicate sources so each source counts ~sqrt(its size). */
  sourceBalance: boolean;
  /** Group used for leave-one-group-out folds; null skips that row's group (never held out). */
  groupOf: (row: LabelledRow) => string | null;
  folds: number;
  seed: number;
  /** Dense cue features learned with the n-grams (cues.ts), and their L2 relative to `lambda`. */
  cues?: { set: CueSet; lambdaFactor: number; prior: Readonly<Record<string, number>>; vocabulary?: VocabularyRecipe };
}

export interface Figures extends BinaryMetrics {
  threshold: number;
}

export interface ClassifierReport {
  name: string;
  rows: number;
  positives: number;
  thresholds: Thresholds;
  calibration: { a: number; b: number };
  /** Out-of-fold, stratified k-fold, at MEDIUM, all rows (borrowed negatives included). */
  cv: Figures;
  /** The same out-of-fold predictions on the primary set's rows only. */
  cvPrimary: BinaryMetrics;
  /** Per held-out group, at the MEDIUM logit threshold of the final calibration. */
  loso: Record<string, BinaryMetrics>;
}

function sampleWeights(rows: readonly LabelledRow[], balanceSources: boolean): number[] {
  const perSource = new Map<string, number>();
  for (const r of rows) perSource.set(`${r.label}|${r.source}`, (perSource.get(`${r.label}|${r.source}`) ?? 0) + 1);
  const raw = rows.map((r) => (balanceSources ? 1 / Math.sqrt(perSource.get(`${r.label}|${r.source}`) ?? 1) : 1));
  // Each class gets half of the total weight.
  let sumPos = 0;
  let sumNeg = 0;
  rows.forEach((r, i) => (r.label ? (sumPos += raw[i]) : (sumNeg += raw[i])));
  const n = rows.length;
  return rows.map((r, i) => (r.label ? (raw[i] * n) / (2 * sumPos || 1) : (raw[i] * n) / (2 * sumNeg || 1)));
}

export function toSparse(
  rows: readonly LabelledRow[],
  spec: FeatureSpec,
  balanceSources: boolean,
  cues?: CueSet,
  vocabOf: (row: LabelledRow) => WordTable | null = () => null,
): SparseRow[] {
  const weights = sampleWeights(rows, balanceSources);
  return rows.map((r, i) => {
    const { indices, count } = hashFeatures(r.text, spec);
    // Presence features, as the runtime scores them.
    const mask = (1 << spec.bits) - 1;
    const unique = new Set<number>();
    for (let k = 0; k < count; k++) unique.add(indices[k] & mask);
    const dense = cues ? Float32Array.from(cueFeatures(r.text, cues, vocabOf(r))) : undefined;
    return { indices: Int32Array.from(unique), label: r.label ? 1 : 0, weight: weights[i], dense };
  });
}

type RawModel = Pick<LinearParams, 'spec' | 'weights' | 'weightScale' | 'bias' | 'windowFeatures' | 'cues'>;

/**
 * Fits on `rows`. The common-word table comes from the benign rows fitted on (and the vocabulary
 * corpus, unless its group is `heldOut`), never from rows scored out of fold; each training row
 * sees the table without its own source (vocabulary.ts).
 */
export function fit(rows: readonly LabelledRow[], recipe: ClassifierRecipe, seed: number, heldOut: string | null = null): RawModel {
  const v = recipe.cues?.vocabulary;
  const group = (r: LabelledRow): string => recipe.groupOf(r) ?? r.source;
  const vocabs = v
    ? new Vocabularies(rows.filter((r) => !r.label).map((r) => ({ text: r.text, group: group(r) })), v.corpus?.group === heldOut ? { minTexts: v.minTexts } : v)
    : null;
  const sparse = toSparse(rows, recipe.spec, recipe.sourceBalance, recipe.cues?.set, (r) => vocabs?.without(group(r)) ?? null);
  const vocab = vocabs?.all();
  const { weights, bias, dense } = trainLogReg(sparse, {
    buckets: 1 << recipe.spec.bits,
    epochs: recipe.epochs,
    lambda: recipe.lambda,
    lr0: recipe.lr0,
    seed,
    dense: recipe.cues ? CUE_NAMES[recipe.cues.set].length : 0,
    denseLambdaFactor: recipe.cues?.lambdaFactor,
    densePrior: recipe.cues ? CUE_NAMES[recipe.cues.set].map((n) => recipe.cues?.prior[n] ?? 0) : undefined,
  });
  const cues = recipe.cues ? { set: recipe.cues.set, weights: Float32Array.from(dense, (w) => Math.round(w * 1e6) / 1e6), vocab } : undefined;
  // Quantised as the weight file stores them, so cross-validation scores what the runtime runs.
  const { data, scale } = quantize(weights);
  return { spec: recipe.spec, weights: data, weightScale: scale, bias, windowFeatures: recipe.windowFeatures, cues };
}

/** Stratified fold assignment, seeded. */
export function stratifiedFolds(rows: readonly LabelledRow[], k: number, seed: number): number[] {
  const rng = createRng(seed);
  const fold = new Array<number>(rows.length).fill(0);
  for (const label of [true, false]) {
    const idx = shuffle(rows.flatMap((r, i) => (r.label === label ? [i] : [])), rng);
    idx.forEach((row, j) => (fold[row] = j % k));
  }
  return fold;
}

function chooseThresholds(scores: number[], labels: boolean[], policy: 'fpr' | 'f1'): Thresholds {
  let t: Thresholds;
  if (policy === 'fpr') {
    t = {
      LOW: thresholdForFpr(scores, labels, 0.03),
      MEDIUM: thresholdForFpr(scores, labels, 0.01),
      HIGH: thresholdForFpr(scores, labels, 0.003),
    };
  } else {
    const medium = thresholdForBestF1(scores, labels);
    t = {
      LOW: Math.min(medium, thresholdForRecall(scores, labels, 0.97)),
      MEDIUM: medium,
      HIGH: Math.max(medium, thresholdForFpr(scores, labels, 0.02)),
    };
  }
  return { LOW: round(t.LOW, 6), MEDIUM: round(t.MEDIUM, 6), HIGH: round(t.HIGH, 6) };
}

export interface TrainResult {
  params: LinearParams;
  report: ClassifierReport;
}

export function trainClassifier(rows: readonly LabelledRow[], recipe: ClassifierRecipe, log: (m: string) => void = () => {}): TrainResult {
  const labels = rows.map((r) => r.label);
  const folds = stratifiedFolds(rows, recipe.folds, recipe.seed);
  const oof = new Array<number>(rows.length).fill(0);
  for (let f = 0; f < recipe.folds; f++) {
    const model = fit(rows.filter((_, i) => folds[i] !== f), recipe, recipe.seed + f + 1);
    rows.forEach((r, i) => {
      if (folds[i] === f) oof[i] = combinedLogit(model, r.text);
    });
    log(`${recipe.name}: fold ${f + 1}/${recipe.folds}`);
  }
  const calibration = fitPlatt(oof, labels);
  const scores = oof.map((z) => sigmoid(calibration.a * z + calibration.b));
  const primary = rows.map((r) => !r.source.startsWith('extra:'));
  const pick = recipe.thresholdRows === 'primary' ? primary : rows.map(() => true);
  const thresholds = chooseThresholds(scores.filter((_, i) => pick[i]), labels.filter((_, i) => pick[i]), recipe.thresholdPolicy);
  const cvMetrics = binaryMetrics(labels, scores.map((s) => s >= thresholds.MEDIUM));
  const cvPrimary = binaryMetrics(labels.filter((_, i) => primary[i]), scores.filter((_, i) => primary[i]).map((s) => s >= thresholds.MEDIUM));

  const groups = [...new Set(rows.map(recipe.groupOf).filter((g): g is string => g !== null))].sort();
  const loso: Record<string, BinaryMetrics> = {};
  for (const g of groups.length > 1 ? groups : []) {
    const model = fit(rows.filter((r) => recipe.groupOf(r) !== g), recipe, recipe.seed + 101, g);
    const held = rows.filter((r) => recipe.groupOf(r) === g);
    const flagged = held.map((r) => sigmoid(calibration.a * combinedLogit(model, r.text) + calibration.b) >= thresholds.MEDIUM);
    loso[g] = binaryMetrics(held.map((r) => r.label), flagged);
    log(`${recipe.name}: held out ${g}`);
  }

  const final = fit(rows, recipe, recipe.seed);
  const params: LinearParams = { name: recipe.name, ...final, calibration, thresholds };
  return {
    params,
    report: {
      name: recipe.name,
      rows: rows.length,
      positives: labels.filter(Boolean).length,
      thresholds,
      calibration: { a: round(calibration.a, 6), b: round(calibration.b, 6) },
      cv: { ...cvMetrics, threshold: thresholds.MEDIUM },
      cvPrimary,
      loso,
    },
  };
}
