/**
 * Runtime of a trained linear text classifier: logistic regression over hashed n-grams, with a
 * Platt calibration fitted on cross-validated scores and thresholds that map the calibrated score
 * to Bedrock's confidence levels.
 */
import type { Classifier, Confidence } from '../../types.js';
import { hashFeatures, stampsFor, uniqueFeatures, type FeatureSpec } from './features.js';
import { normalizeForDetection } from '../normalize.js';
import { cueFeatures, type CueSet } from './cues.js';
import { sharedTokens } from './tokens.js';
import type { WordTable } from './vocabulary.js';

export interface Thresholds {
  /** Minimum calibrated score for each confidence; LOW <= MEDIUM <= HIGH. */
  LOW: number;
  MEDIUM: number;
  HIGH: number;
}

export interface LinearParams {
  name: string;
  spec: FeatureSpec;
  /**
   * One int16 per bucket, value = weights[k] * weightScale: as the weight file stores them, and
   * half the memory of float32, so more of the three classifiers' tables stays in cache.
   */
  weights: Int16Array;
  weightScale: number;
  bias: number;
  /** Platt scaling: p = sigmoid(a * logit + b). */
  calibration: { a: number; b: number };
  thresholds: Thresholds;
  /**
   * Texts of more than twice this many features (three to four per character) are scored in
   * windows of this size and the highest window wins, so an injection buried in a long document
   * is not averaged away. 0 disables windows.
   */
  windowFeatures: number;
  /** Dense cue features (cues.ts) and their learned weights; absent for n-gram-only models. */
  cues?: DenseCues;
}

export interface DenseCues {
  set: CueSet;
  weights: Float32Array;
  /** Common words of benign text, for the unknown-word cues (vocabulary.ts); prompt attack only. */
  vocab?: WordTable;
}

export interface LearnedClassifier extends Classifier {
  readonly thresholds: Thresholds;
  /** Uncalibrated logit, before Platt scaling; used by training and evaluation. */
  logit(text: string): number;
  confidence(score: number): Confidence;
}

export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

// Presence, not counts: a feature counts once per text (or per window), so repeating a benign
// sentence cannot add up to an attack.
const acc = { sum: 0, n: 0 };

function windowPresence(weights: Int16Array, bits: number, indices: Int32Array, from: number, to: number): void {
  const mask = (1 << bits) - 1;
  const { seen, gen } = stampsFor(bits);
  let sum = 0;
  let n = 0;
  for (let i = from; i < to; i++) {
    const k = indices[i] & mask;
    if (seen[k] === gen) continue;
    seen[k] = gen;
    sum += weights[k];
    n++;
  }
  acc.sum = sum;
  acc.n = n;
}

type Scorable = Pick<LinearParams, 'spec' | 'weights' | 'weightScale' | 'bias' | 'windowFeatures' | 'cues'>;

function denseTerm(cues: DenseCues | undefined, text: string): number {
  if (!cues) return 0;
  const x = cueFeatures(text, cues.set, cues.vocab ?? null);
  let z = 0;
  for (let j = 0; j < cues.weights.length; j++) z += cues.weights[j] * x[j];
  return z;
}

export function linearLogit(p: Scorable, text: string): number {
  return sparseLogit(p, text) + denseTerm(p.cues, text);
}

function sparseLogit(p: Scorable, text: string): number {
  const w = p.windowFeatures;
  const { indices, count } = hashFeatures(text, p.spec);
  if (count === 0) return p.bias;
  if (w <= 0 || count <= 2 * w) {
    // The common case: distinct buckets are computed once per text and shared by the classifiers.
    const u = uniqueFeatures(text, p.spec);
    const weights = p.weights;
    const idx = u.indices;
    let sum = 0;
    for (let i = 0; i < u.count; i++) sum += weights[idx[i]];
    return p.bias + (sum * p.weightScale) / Math.sqrt(u.count);
  }
  // Long text: half-overlapping windows only (the last aligned to the end), presence counted per
  // window. The max wins, so an injection buried in a long document is scored as if it stood in a
  // short one, and no window is longer than the texts the model was trained on.
  const step = w >> 1;
  let best = -Infinity;
  for (let from = 0; ; from += step) {
    const start = Math.min(from, count - w);
    windowPresence(p.weights, p.spec.bits, indices, start, start + w);
    const z = p.bias + (acc.sum * p.weightScale) / Math.sqrt(acc.n);
    if (z > best) best = z;
    if (start + w >= count) break;
  }
  return best;
}

const WHITESPACE = /\s+/g;

/**
 * True when normalisation could change more than case and whitespace: non-ASCII characters other
 * than typographic quotes, dashes and spaces (homoglyphs, invisibles, compatibility forms), leet
 * inside a word ("h4ck", "ign0re", "1gnore"), a leet symbol between letters ("sh!t", "a$$"), or
 * three single letters in a row ("i g n"). Found while tokenising (tokens.ts), so ordinary prose
 * costs no extra pass and skips the normaliser; e-mail addresses, phone numbers, "mp3" and "COVID19" do not
 * count, as they are not obfuscation.
 */
export function mayBeObfuscated(text: string): boolean {
  return sharedTokens(text).obfuscated;
}

// The same text is usually scored by several classifiers in a row: normalise it once.
let lastRaw: string | null = null;
let lastNormalized: string | null = null;

function normalizedOrNull(text: string): string | null {
  if (text === lastRaw) return lastNormalized;
  let out: string | null = null;
  if (mayBeObfuscated(text)) {
    const normalized = normalizeForDetection(text);
    // The featurizer lower-cases and collapses whitespace itself, so only a real change counts.
    if (normalized !== text.toLowerCase().replace(WHITESPACE, ' ').trim()) out = normalized;
  }
  lastRaw = text;
  lastNormalized = out;
  return out;
}

/** The higher logit of the text as written and its de-obfuscated form. */
export function combinedLogit(p: Scorable, text: string): number {
  const normalized = normalizedOrNull(text);
  const z = linearLogit(p, text);
  return normalized === null ? z : Math.max(z, linearLogit(p, normalized));
}

export function confidenceFor(thresholds: Thresholds, score: number): Confidence {
  if (score >= thresholds.HIGH) return 'HIGH';
  if (score >= thresholds.MEDIUM) return 'MEDIUM';
  if (score >= thresholds.LOW) return 'LOW';
  return 'NONE';
}

export function createLinearClassifier(p: LinearParams): LearnedClassifier {
  const calibrated = (z: number): number => sigmoid(p.calibration.a * z + p.calibration.b);
  // One model may serve two content filters under two names (load.ts): the second asks for the
  // text the first has just scored, so the last text's logit is kept.
  let lastText: string | null = null;
  let lastLogit = 0;
  const logit = (text: string): number => {
    if (text !== lastText) {
      lastLogit = combinedLogit(p, text);
      lastText = text;
    }
    return lastLogit;
  };
  return {
    name: p.name,
    thresholds: p.thresholds,
    logit,
    // The text as written and its de-obfuscated form are both scored; the worse of the two counts.
    score: (text: string) => calibrated(logit(text)),
    confidence: (score: number) => confidenceFor(p.thresholds, score),
  };
}
