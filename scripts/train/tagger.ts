/**
 * Trains the NAME/ADDRESS tagger (averaged perceptron, greedy BIO decoding) and measures it with
 * template-grouped CV: the held-out PII set uses other templates of the same generator, so whole
 * templates are held out, never random rows.
 */
import { quantize, writeWeights } from '../../src/guardrails/detectors/learned/model-file.js';
import { bestAllowed, calibrate, createRawTagger, createTagger, encodeHashes, NEWLINE_BIT, TAGGER_FORMAT, type PiiTagger, type RawSpan, type SpanCalibration, type TypeCalibration } from '../../src/guardrails/detectors/learned/tagger.js';
import { scorePii, type PiiScore } from '../../src/guardrails/detectors/pii/score.js';
import { PRESIDIO_TO_BEDROCK } from '../../src/guardrails/detectors/pii/score.js';
import { fitIsotonic } from './calibrate.js';
import { createPiiDetector } from '../../src/guardrails/detectors/pii/index.js';
import { detectorSpanTarget } from '../../src/guardrails/eval/run.js';
import { annotate, canOpen, IntSet, ALL_FEATURES, bucketOf, dynamicFeatures, hashString, NUM_LABELS, STATIC_FEATURES, staticFeatures, Tokens, type Gazetteers } from '../../src/guardrails/detectors/learned/tagger-features.js';
import type { GoldSpan, PiiRow } from '../../src/guardrails/eval/dataset.js';
import { createRng, shuffle } from './rng.js';

export const TAGGER_BITS = 15;
export const TAGGER_EPOCHS = 10;
export const TAGGER_SEED = 20260101;
const DROPOUT = 0.3;
/** Indices (in staticFeatures) of features made of neighbouring words. */
const CONTEXT_FEATURES = [2, 3, 4, 5, 20, 21, 23, 24];
const DROPPED = 0x5f3759df;
const ENTITY: Record<string, 'NAME' | 'ADDRESS'> = { PERSON: 'NAME', STREET_ADDRESS: 'ADDRESS', ZIP_CODE: 'ADDRESS' };

interface Example {
  tokens: Tokens;
  gold: Int32Array;
}

function tokensOf(text: string): Tokens {
  const t = new Tokens();
  t.tokenize(text);
  return t;
}

export function goldLabels(row: PiiRow, t: Tokens): Int32Array {
  const labels = new Int32Array(t.count);
  const spans = row.spans.filter((s) => ENTITY[s.type]).sort((a, b) => a.start - b.start);
  for (const s of spans) {
    const base = ENTITY[s.type] === 'NAME' ? 1 : 3;
    let first = true;
    for (let i = 0; i < t.count; i++) {
      if (t.start[i] < s.end && s.start < t.end[i] && labels[i] === 0) {
        labels[i] = first ? base : base + 1;
        first = false;
      }
    }
  }
  return labels;
}

/** Lower-cased word tokens inside gold spans of each kind (alphabetic, 2+ chars). */
export function buildGazetteers(rows: readonly PiiRow[]): { names: number[]; address: number[] } {
  const names = new Set<number>();
  const address = new Set<number>();
  for (const r of rows) {
    for (const s of r.spans) {
      const kind = ENTITY[s.type];
      if (!kind) continue;
      for (const w of r.text.slice(s.start, s.end).split(/[^\p{L}]+/u)) {
        if (w.length < 2) continue;
        (kind === 'NAME' ? names : address).add(hashString(w));
      }
    }
  }
  return { names: [...names].sort((a, b) => a - b), address: [...address].sort((a, b) => a - b) };
}

export interface GazetteerLists {
  names: number[];
  address: number[];
  vocab: number[];
  lexicon: number[];
}

function toSets(g: GazetteerLists): Gazetteers {
  return { names: new IntSet(g.names), address: new IntSet(g.address), vocab: new IntSet(g.vocab), lexicon: new IntSet(g.lexicon) };
}

/** Hashes of the words of a people-names list, one name a line; `#` lines are comments. */
export function buildLexicon(content: string): number[] {
  const out = new Set<number>();
  for (const line of content.split('\n')) {
    const w = line.trim();
    if (w === '' || w.startsWith('#') || w.length < 2) continue;
    out.add(hashString(w));
  }
  return [...out].sort((a, b) => a - b);
}

/** Words needed beside the training rows. */
export interface TaggerLexicons {
  vocab: number[];
  lexicon: number[];
}

/**
 * Hashes of words written in lower case at least `minCount` times in `texts` (the other evaluation
 * sets: tweets and chat prompts, minus the Presidio sentences that share the PII generator).
 */
export function buildVocabulary(texts: Iterable<string>, minCount = 3): number[] {
  const counts = new Map<string, number>();
  for (const t of texts) {
    for (const w of t.split(/[^\p{L}]+/u)) {
      if (w.length < 2 || w !== w.toLowerCase()) continue;
      counts.set(w, (counts.get(w) ?? 0) + 1);
    }
  }
  const out = new Set<number>();
  for (const [w, c] of counts) if (c >= minCount) out.add(hashString(w));
  return [...out].sort((a, b) => a - b);
}

/**
 * Trains on `rows`. Gazetteer features are cross-fitted (each half sees the gazetteer of the
 * other half), so the model learns how much an unseen-vs-seen name is worth instead of trusting a
 * list that always contains the training names.
 */
export function trainTagger(rows: readonly PiiRow[], lex: TaggerLexicons, seed: number, bits = TAGGER_BITS, epochs = TAGGER_EPOCHS): { weights: Float32Array; gazetteers: GazetteerLists } {
  const rng = createRng(seed);
  const half = rows.map(() => (rng() < 0.5 ? 0 : 1));
  // The names gazetteer also takes the generated rows' names (name-sentences.ts): kept out of it, the
  // Presidio figures were lower still (NAME F1 0.760 against 0.777).
  const gazA = toSets({ ...buildGazetteers(rows.filter((_, i) => half[i] === 1)), ...lex });
  const gazB = toSets({ ...buildGazetteers(rows.filter((_, i) => half[i] === 0)), ...lex });
  const examples: Example[] = rows.map((r, i) => {
    const tokens = tokensOf(r.text);
    annotate(tokens, half[i] === 0 ? gazA : gazB);
    return { tokens, gold: goldLabels(r, tokens) };
  });
  const size = (1 << bits) * NUM_LABELS;
  const mask = (1 << bits) - 1;
  const w = new Float64Array(size);
  const acc = new Float64Array(size);
  const feats = new Int32Array(ALL_FEATURES);
  const buckets = new Int32Array(ALL_FEATURES);
  const scores = new Float64Array(NUM_LABELS);
  let c = 1;
  const order = examples.map((_, i) => i);
  for (let epoch = 0; epoch < epochs; epoch++) {
    shuffle(order, rng);
    for (const e of order) {
      const { tokens, gold } = examples[e];
      let prev = 0;
      let prev2 = 0;
      for (let i = 0; i < tokens.count; i++) {
        if (prev === 0 && !canOpen(tokens, i)) {
          prev2 = prev;
          continue;
        }
        staticFeatures(tokens, i, feats);
        dynamicFeatures(tokens, i, prev, prev2, feats, STATIC_FEATURES);
        // Context-word dropout: the held-out set has other templates, so the model must not lean
        // on the exact words around a name; dropped features all land in one shared bucket.
        if (DROPOUT > 0) for (const k of CONTEXT_FEATURES) if (rng() < DROPOUT) feats[k] = DROPPED;
        scores.fill(0);
        for (let k = 0; k < ALL_FEATURES; k++) {
          buckets[k] = bucketOf(feats[k], mask) * NUM_LABELS;
          for (let l = 0; l < NUM_LABELS; l++) scores[l] += w[buckets[k] + l];
        }
        const guess = bestAllowed(scores, tokens.flags[i] & 512 ? prev | NEWLINE_BIT : prev);
        const truth = gold[i];
        if (guess !== truth) {
          for (let k = 0; k < ALL_FEATURES; k++) {
            w[buckets[k] + truth] += 1;
            acc[buckets[k] + truth] += c;
            w[buckets[k] + guess] -= 1;
            acc[buckets[k] + guess] -= c;
          }
        }
        c++;
        prev2 = prev;
        prev = guess;
      }
    }
  }
  const weights = new Float32Array(size);
  for (let j = 0; j < size; j++) weights[j] = w[j] - acc[j] / c;
  return { weights, gazetteers: { ...buildGazetteers(rows), ...lex } };
}

type Trained = { weights: Float32Array; gazetteers: GazetteerLists };

/** Quantised exactly as the weight file stores them, so CV scores what the runtime will run. */
function paramsOf(t: Trained, bits: number) {
  const { data, scale } = quantize(t.weights);
  return { bits, weights: data, scale, gazetteers: toSets(t.gazetteers) };
}

const UNCALIBRATED: TypeCalibration = { NAME: { edges: [0], values: [1] }, ADDRESS: { edges: [0], values: [1] } };

export function taggerFromTraining(t: Trained, calibration: TypeCalibration = UNCALIBRATED, bits = TAGGER_BITS): PiiTagger {
  return createTagger({ ...paramsOf(t, bits), calibration });
}

const SCORED = new Set(['PERSON', 'STREET_ADDRESS', 'ZIP_CODE']);

/** Gold spans of other scored types become unscored: the tagger is not asked to find them. */
function taggerGold(spans: readonly GoldSpan[]): GoldSpan[] {
  return spans.map((g) => (SCORED.has(g.type) || !PRESIDIO_TO_BEDROCK[g.type] ? g : { ...g, type: '_UNSCORED' }));
}

export interface TaggerCv {
  calibration: TypeCalibration;
  /**
   * The whole PII detector (its rules for the other types plus the fold's tagger), at MEDIUM, on
   * every scored type: the figure the PII F1 target is about.
   */
  detector: PiiScore;
  /** Spans with calibrated score >= 0.5 (what the PII detector reports at MEDIUM or above). */
  medium: PiiScore;
  /** All spans (LOW and above). */
  all: PiiScore;
}

export function crossValidateTagger(rows: readonly PiiRow[], lex: TaggerLexicons, folds: number, seed: number, log: (m: string) => void = () => {}): TaggerCv {
  const templates = shuffle([...new Set(rows.map((r) => r.source))].sort(), createRng(seed));
  const foldOf = new Map(templates.map((t, i) => [t, i % folds]));
  const gold: GoldSpan[][] = [];
  const predicted: RawSpan[][] = [];
  const fullGold: GoldSpan[][] = [];
  const fullPredicted: Array<Array<{ type: string; start: number; end: number }>> = [];
  const foldModels: Trained[] = [];
  for (let f = 0; f < folds; f++) {
    const trained = trainTagger(rows.filter((r) => foldOf.get(r.source) !== f), lex, seed + f + 1);
    foldModels.push(trained);
    const tagger = createRawTagger(paramsOf(trained, TAGGER_BITS));
    for (const r of rows) {
      // Generated rows are training data only: every figure is on the real rows.
      if (foldOf.get(r.source) !== f || generated(r)) continue;
      gold.push(taggerGold(r.spans));
      predicted.push(tagger(r.text));
    }
    log(`pii-tagger: fold ${f + 1}/${folds}`);
  }
  // A span is right when it overlaps a gold entity of its own type; each type gets its own map.
  const fitType = (type: RawSpan['type']): SpanCalibration => {
    const margins: number[] = [];
    const right: boolean[] = [];
    predicted.forEach((spans, d) => {
      for (const p of spans) {
        if (p.type !== type) continue;
        margins.push(p.margin);
        right.push(gold[d].some((g) => PRESIDIO_TO_BEDROCK[g.type] === p.type && g.start < p.end && p.start < g.end));
      }
    });
    return fitIsotonic(margins, right);
  };
  const calibration: TypeCalibration = { NAME: fitType('NAME'), ADDRESS: fitType('ADDRESS') };
  const kept = predicted.map((spans) => spans.filter((p) => calibrate(calibration[p.type], p.margin) >= 0.5));
  // Second pass with the calibration known: the full detector with each fold's tagger.
  for (let f = 0; f < folds; f++) {
    const target = detectorSpanTarget(createPiiDetector({ tagger: taggerFromTraining(foldModels[f], calibration), minConfidence: 'MEDIUM' }));
    for (const r of rows) {
      if (foldOf.get(r.source) !== f || generated(r)) continue;
      fullGold.push(r.spans);
      fullPredicted.push(target.run(r.text));
    }
  }
  return { calibration, detector: scorePii(fullGold, fullPredicted), medium: scorePii(gold, kept), all: scorePii(gold, predicted) };
}

export interface TaggerReport {
  rows: number;
  /** Generated training rows (name-sentences.ts), not scored. */
  generatedRows: number;
  templates: number;
  /** Template-grouped 5-fold CV, NAME and ADDRESS only, README scoring. */
  cv: TaggerCv;
}

/** Rows made by a generator (source `extra:...`), not from the evaluation set. */
const generated = (r: PiiRow): boolean => r.source.startsWith('extra:');

export function trainTaggerWithReport(rows: readonly PiiRow[], lex: TaggerLexicons, outDir: string, log: (m: string) => void): TaggerReport {
  const cv = crossValidateTagger(rows, lex, 5, TAGGER_SEED, log);
  const trained = trainTagger(rows, lex, TAGGER_SEED);
  const g = trained.gazetteers;
  writeWeights(outDir, 'pii-tagger', TAGGER_FORMAT, trained.weights, {
    bits: TAGGER_BITS,
    calibration: cv.calibration,
    names: encodeHashes(g.names),
    address: encodeHashes(g.address),
    vocab: encodeHashes(g.vocab),
    lexicon: encodeHashes(g.lexicon),
  });
  const real = rows.filter((r) => !generated(r));
  return { rows: real.length, generatedRows: rows.length - real.length, templates: new Set(real.map((r) => r.source)).size, cv };
}
