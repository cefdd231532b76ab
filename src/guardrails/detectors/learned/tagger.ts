/**
 * The NAME/ADDRESS tagger: a greedy left-to-right averaged perceptron over BIO tags, trained by
 * scripts/train/tagger.ts on the Presidio synthetic sentences. The PII detector takes it as its
 * `tagger` option; it finds what regular expressions cannot (names and street addresses).
 */
import { readQuantized } from './model-file.js';
import { annotate, canOpen, IntSet, ALL_FEATURES, bucketOf, dynamicFeatures, NUM_LABELS, STATIC_FEATURES, staticFeatures, sharedTokens, Tokens, type EnumerableGazetteers, type Gazetteers } from './tagger-features.js';

export const TAGGER_FORMAT = 'rampart-tagger-v1';

export interface TaggedSpan {
  type: 'NAME' | 'ADDRESS';
  start: number;
  end: number;
  /** Calibrated probability that the span is a real entity, in [0, 1]. */
  score: number;
}

export type PiiTagger = (text: string) => TaggedSpan[];

export interface TaggerParams {
  bits: number;
  /**
   * buckets x NUM_LABELS, label-minor so one feature's scores share a cache line; kept as int16
   * (half the memory of float32, so more of it stays in cache) with one scale.
   */
  weights: Int16Array;
  scale: number;
  gazetteers: Gazetteers;
  /** Per entity type, an isotonic map from a span's margin to the chance it is a real entity. */
  calibration: TypeCalibration;
}

export interface SpanCalibration {
  /** Lower edge of each step, ascending. */
  edges: number[];
  values: number[];
}

export type TypeCalibration = Record<TaggedSpan['type'], SpanCalibration>;

export function calibrate(c: SpanCalibration, margin: number): number {
  let v = c.values[0] ?? 0;
  for (let i = 0; i < c.edges.length && c.edges[i] <= margin; i++) v = c.values[i];
  return v;
}

const feats = new Int32Array(ALL_FEATURES);
const scores = new Float64Array(NUM_LABELS);

/**
 * An I- tag may only continue its own entity, and a name never continues onto a new line (address
 * blocks do). `prev` carries NEWLINE_BIT when the token starts a line.
 */
export const NEWLINE_BIT = 8;
export function allowed(label: number, prev: number): boolean {
  if (label === 2) return prev === 1 || prev === 2;
  prev &= 7;
  if (label === 4) return prev === 3 || prev === 4;
  return true;
}

/** Best label among those allowed after `prev` (the argmax is restricted, not repaired afterwards). */
export function bestAllowed(scores: Float64Array, prev: number): number {
  let best = 0;
  for (let l = 1; l < NUM_LABELS; l++) if (allowed(l, prev) && scores[l] > scores[best]) best = l;
  return best;
}

/** Scores token `i` into `out` (length NUM_LABELS) with the features already in `feats`. */
export function scoreFeatures(weights: Int16Array, mask: number, features: Int32Array, out: Float64Array): void {
  out.fill(0);
  for (let k = 0; k < features.length; k++) {
    const base = bucketOf(features[k], mask) * NUM_LABELS;
    for (let l = 0; l < NUM_LABELS; l++) out[l] += weights[base + l];
  }
}

/** Greedy decoding; writes labels and each chosen label's margin over the best allowed rival. */
export function decode(p: Pick<TaggerParams, 'bits' | 'weights' | 'scale'>, t: Tokens, labels: Int32Array, margins: Float64Array | null): void {
  const mask = (1 << p.bits) - 1;
  let prev = 0;
  let prev2 = 0;
  for (let i = 0; i < t.count; i++) {
    if (prev === 0 && !canOpen(t, i)) {
      labels[i] = 0;
      if (margins) margins[i] = 0;
      prev2 = prev;
      continue;
    }
    staticFeatures(t, i, feats);
    dynamicFeatures(t, i, prev, prev2, feats, STATIC_FEATURES);
    scoreFeatures(p.weights, mask, feats, scores);
    const ctx = t.flags[i] & 512 ? prev | NEWLINE_BIT : prev;
    const label = bestAllowed(scores, ctx);
    labels[i] = label;
    if (margins) {
      let rival = -Infinity;
      for (let l = 0; l < NUM_LABELS; l++) if (l !== label && allowed(l, ctx) && scores[l] > rival) rival = scores[l];
      margins[i] = (scores[label] - rival) * p.scale;
    }
    prev2 = prev;
    prev = label;
  }
}

export interface RawSpan {
  type: 'NAME' | 'ADDRESS';
  start: number;
  end: number;
  /** log(1 + mean perceptron margin) of the span's tokens (uncalibrated). */
  margin: number;
}

/** Turns BIO labels into character spans. */
export function spansOf(t: Tokens, labels: Int32Array, margins: Float64Array | null): RawSpan[] {
  const out: RawSpan[] = [];
  let open: RawSpan | null = null;
  let sum = 0;
  let n = 0;
  const close = (): void => {
    if (open) {
      // log1p: margins are heavy-tailed, and correctness is closer to logistic in their log.
      open.margin = n > 0 ? Math.log1p(Math.max(0, sum / n)) : 0;
      out.push(open);
    }
    open = null;
  };
  for (let i = 0; i < t.count; i++) {
    const l = labels[i];
    if (l === 1 || l === 3 || l === 0) close();
    if (l === 0) continue;
    if (l === 1 || l === 3) {
      open = { type: l === 1 ? 'NAME' : 'ADDRESS', start: t.start[i], end: t.end[i], margin: 0 };
      sum = 0;
      n = 0;
    } else if (open) {
      open.end = t.end[i];
    }
    sum += margins ? margins[i] : 0;
    n++;
  }
  close();
  return out;
}

/** Tags `text` with uncalibrated margins; training uses it to fit the span calibration. */
export function createRawTagger(p: Pick<TaggerParams, 'bits' | 'weights' | 'scale' | 'gazetteers'>): (text: string) => RawSpan[] {
  if (p.weights.length !== (1 << p.bits) * NUM_LABELS) throw new Error('tagger weights do not match bits');
  let labels = new Int32Array(256);
  let margins = new Float64Array(256);
  return (text: string): RawSpan[] => {
    // Shared with the cue features; annotate() only fills the gazetteer column they do not read.
    const tokens = sharedTokens(text);
    annotate(tokens, p.gazetteers);
    if (labels.length < tokens.count || labels.length > tokens.start.length) {
      labels = new Int32Array(tokens.start.length);
      margins = new Float64Array(tokens.start.length);
    }
    decode(p, tokens, labels, margins);
    return spansOf(tokens, labels, margins);
  };
}

/**
 * Span scores are calibrated on cross-validated spans (isotonic): the score estimates the chance
 * that the span is a real entity, so the PII detector's 0.5 (MEDIUM) and 0.8 (HIGH) cuts mean what
 * they say.
 */
export function createTagger(p: TaggerParams): PiiTagger {
  const raw = createRawTagger(p);
  return (text: string): TaggedSpan[] =>
    raw(text).map((s) => ({ type: s.type, start: s.start, end: s.end, score: calibrate(p.calibration[s.type], s.margin) }));
}

/** Word-hash sets travel as base64 of sorted little-endian uint32s: compact and diff-stable. */
export function encodeHashes(hashes: Iterable<number>): string {
  const sorted = [...new Set([...hashes].map((h) => h >>> 0))].sort((a, b) => a - b);
  const buf = Buffer.alloc(sorted.length * 4);
  sorted.forEach((h, i) => buf.writeUInt32LE(h, i * 4));
  return buf.toString('base64');
}

export function decodeHashes(b64: string): IntSet {
  return new IntSet(decodeHashList(b64));
}

function decodeHashList(b64: string): number[] {
  const buf = Buffer.from(b64, 'base64');
  const out: number[] = [];
  // Token hashes are compared as signed int32 (Int32Array storage).
  for (let i = 0; i + 4 <= buf.length; i += 4) out.push(buf.readInt32LE(i));
  return out;
}

interface TaggerMeta {
  bits: number;
  names: string;
  address: string;
  vocab: string;
  lexicon: string;
  calibration: TypeCalibration;
}

let loaded: PiiTagger | null = null;

/** Gazetteers that list their words, so annotate() merges them into one lookup table. */
function enumerable(lists: Record<keyof Gazetteers, number[]>): EnumerableGazetteers {
  return {
    names: new IntSet(lists.names),
    address: new IntSet(lists.address),
    vocab: new IntSet(lists.vocab),
    lexicon: new IntSet(lists.lexicon),
    words: [...lists.names, ...lists.address, ...lists.vocab, ...lists.lexicon],
  };
}

/** Loads models/pii-tagger.{json,bin} once; throws when the file is missing or corrupt. */
export function loadPiiTagger(opts: { dir?: string } = {}): PiiTagger {
  if (loaded && !opts.dir) return loaded;
  const { header, data } = readQuantized<TaggerMeta>('pii-tagger', TAGGER_FORMAT, opts.dir);
  const tagger = createTagger({
    bits: header.bits,
    weights: data,
    scale: header.scale,
    calibration: header.calibration,
    gazetteers: enumerable({
      names: decodeHashList(header.names),
      address: decodeHashList(header.address),
      vocab: decodeHashList(header.vocab),
      lexicon: decodeHashList(header.lexicon),
    }),
  });
  if (!opts.dir) loaded = tagger;
  return tagger;
}
