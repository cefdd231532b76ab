/**
 * The NAME/ADDRESS tagger: a greedy left-to-right averaged perceptron over BIO tags, trained by
 * scripts/train/tagger.ts on the Presidio synthetic sentences. The PII detector takes it as its
 * `tagger` option; it finds what regular expressions cannot (names and street addresses).
 */
import { readQuantized } from './model-file.js';
import { annotate, canOpen, GAZ_LEXICON, GAZ_NAME, GAZ_STREET, GAZ_VOCAB, IntSet, type IndexList, ALL_FEATURES, bucketOf, dynamicFeatures, NUM_LABELS, STATIC_FEATURES, staticFeatures, sharedTokens, Tokens, type EnumerableGazetteers, type Gazetteers } from './tagger-features.js';

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
  // Integer sums (at most ALL_FEATURES * 32767, exact) unrolled over the five labels.
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0;
  for (let k = 0; k < features.length; k++) {
    const base = bucketOf(features[k], mask) * NUM_LABELS;
    s0 += weights[base];
    s1 += weights[base + 1];
    s2 += weights[base + 2];
    s3 += weights[base + 3];
    s4 += weights[base + 4];
  }
  out[0] = s0;
  out[1] = s1;
  out[2] = s2;
  out[3] = s3;
  out[4] = s4;
}

/**
 * scoreFeatures for a token after an O tag, where only O, B-NAME and B-ADDRESS are allowed (an I-
 * tag must continue its own entity): the two I- scores are neither chosen nor rivals, so they are
 * not summed (most scored tokens follow an O). They are written as 0, never read.
 */
function scoreOpening(weights: Int16Array, mask: number, features: Int32Array, out: Float64Array): void {
  let s0 = 0, s1 = 0, s3 = 0;
  for (let k = 0; k < features.length; k++) {
    const base = bucketOf(features[k], mask) * NUM_LABELS;
    s0 += weights[base];
    s1 += weights[base + 1];
    s3 += weights[base + 3];
  }
  out[0] = s0;
  out[1] = s1;
  out[2] = 0;
  out[3] = s3;
  out[4] = 0;
}

/**
 * Indices of the tokens decode() gave a label other than O, in order: spans are read from these
 * alone, not from a walk over every token of the text.
 */
export type Labelled = IndexList;

/**
 * Greedy decoding; writes labels and each chosen label's margin over the best allowed rival, and
 * (when given) the indices of the labelled tokens.
 */
export function decode(p: Pick<TaggerParams, 'bits' | 'weights' | 'scale'>, t: Tokens, labels: Int32Array, margins: Float64Array | null, labelled?: Labelled, candidates?: IndexList): void {
  const mask = (1 << p.bits) - 1;
  let prev = 0;
  let prev2 = 0;
  // Most tokens cannot open an entity: they are O without scoring, so only those are written.
  if (margins) margins.fill(0, 0, t.count);
  labels.fill(0, 0, t.count);
  if (labelled) labelled.count = 0;
  let next = 0; // into candidates
  for (let i = 0; i < t.count; i++) {
    if (prev === 0 && candidates) {
      // After an O tag only a candidate can open an entity: jump to the next one. Skipping tokens
      // is what the loop below does to each of them (O, and prev2 reset).
      while (next < candidates.count && candidates.at[next] < i) next++;
      if (next === candidates.count) break;
      if (candidates.at[next] > i) {
        prev2 = 0;
        i = candidates.at[next];
      }
    }
    if (prev === 0 && !canOpen(t, i)) {
      prev2 = 0;
      continue;
    }
    staticFeatures(t, i, feats);
    dynamicFeatures(t, i, prev, prev2, feats, STATIC_FEATURES);
    if (prev === 0) scoreOpening(p.weights, mask, feats, scores);
    else scoreFeatures(p.weights, mask, feats, scores);
    const ctx = t.flags[i] & 512 ? prev | NEWLINE_BIT : prev;
    const label = bestAllowed(scores, ctx);
    labels[i] = label;
    if (label !== 0 && labelled) {
      if (labelled.count === labelled.at.length) labelled.at = grown(labelled.at);
      labelled.at[labelled.count++] = i;
    }
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

function grown(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

type Emit = (type: TaggedSpan['type'], start: number, end: number, margin: number) => void;

/**
 * Calls `emit` for each span of the BIO labels, with log(1 + mean margin) of its tokens (log1p:
 * margins are heavy-tailed, and correctness is closer to logistic in their log).
 */
function walkSpans(t: Tokens, labels: Int32Array, margins: Float64Array | null, emit: Emit): void {
  walkLabelled(t, labels, margins, null, t.count, emit);
}

/**
 * walkSpans over the labelled tokens only (`at`, ascending; null: every token). A token missing
 * from the list is O, so a gap in the indices closes the open span.
 */
function walkLabelled(t: Tokens, labels: Int32Array, margins: Float64Array | null, at: Int32Array | null, count: number, emit: Emit): void {
  let open = 0; // 0 none, else the B- label of the open span
  let start = 0;
  let end = 0;
  let sum = 0;
  let n = 0;
  let prevIndex = -2;
  for (let k = 0; k <= count; k++) {
    const i = k === count ? t.count : at === null ? k : at[k];
    if (open !== 0 && i !== prevIndex + 1) {
      emit(open === 1 ? 'NAME' : 'ADDRESS', start, end, n > 0 ? Math.log1p(Math.max(0, sum / n)) : 0);
      open = 0;
    }
    prevIndex = i;
    const l = i < t.count ? labels[i] : 0;
    if (open !== 0 && (l === 0 || l === 1 || l === 3)) {
      emit(open === 1 ? 'NAME' : 'ADDRESS', start, end, n > 0 ? Math.log1p(Math.max(0, sum / n)) : 0);
      open = 0;
    }
    if (l === 0) continue;
    if (l === 1 || l === 3) {
      open = l;
      start = t.start[i];
      sum = 0;
      n = 0;
    } else if (open === 0) {
      // An I- tag with no span open cannot be decoded (allowed() forbids it); ignore it.
      continue;
    }
    end = t.end[i];
    sum += margins ? margins[i] : 0;
    n++;
  }
}

/** Turns BIO labels into character spans. */
export function spansOf(t: Tokens, labels: Int32Array, margins: Float64Array | null): RawSpan[] {
  const out: RawSpan[] = [];
  walkSpans(t, labels, margins, (type, start, end, margin) => out.push({ type, start, end, margin }));
  return out;
}

interface Labels {
  tokens: Tokens;
  labels: Int32Array;
  margins: Float64Array;
  labelled: Labelled;
}

/** Tokenises, annotates and decodes `text`; labels and margins are reused between calls. */
function labeller(p: Pick<TaggerParams, 'bits' | 'weights' | 'scale' | 'gazetteers'>): (text: string) => Labels {
  if (p.weights.length !== (1 << p.bits) * NUM_LABELS) throw new Error('tagger weights do not match bits');
  const state: Labels = { tokens: null as unknown as Tokens, labels: new Int32Array(256), margins: new Float64Array(256), labelled: { at: new Int32Array(64), count: 0 } };
  const candidates: IndexList = { at: new Int32Array(256), count: 0 };
  return (text: string) => {
    // Shared with the cue features; annotate() only fills the gazetteer column they do not read.
    const tokens = sharedTokens(text);
    annotate(tokens, p.gazetteers, candidates);
    // Grown when a text needs more, dropped after a huge one (as Tokens does), never resized
    // back and forth between the shared token tables.
    if (state.labels.length < tokens.count || (state.labels.length > 65536 && tokens.count < 16384)) {
      const size = Math.max(256, tokens.count);
      state.labels = new Int32Array(size);
      state.margins = new Float64Array(size);
      if (state.labelled.at.length > 16384) state.labelled.at = new Int32Array(64);
    }
    decode(p, tokens, state.labels, state.margins, state.labelled, candidates);
    state.tokens = tokens;
    return state;
  };
}

/** Tags `text` with uncalibrated margins; training uses it to fit the span calibration. */
export function createRawTagger(p: Pick<TaggerParams, 'bits' | 'weights' | 'scale' | 'gazetteers'>): (text: string) => RawSpan[] {
  const label = labeller(p);
  return (text: string): RawSpan[] => {
    const { tokens, labels, margins, labelled } = label(text);
    const out: RawSpan[] = [];
    walkLabelled(tokens, labels, margins, labelled.at, labelled.count, (type, start, end, margin) => out.push({ type, start, end, margin }));
    return out;
  };
}

/**
 * Span scores are calibrated on cross-validated spans (isotonic): the score estimates the chance
 * that the span is a real entity, so the PII detector's 0.5 (MEDIUM) and 0.8 (HIGH) cuts mean what
 * they say. The spans are built once, already scored.
 */
export function createTagger(p: TaggerParams): PiiTagger {
  const label = labeller(p);
  return (text: string): TaggedSpan[] => {
    const { tokens, labels, margins, labelled } = label(text);
    const out: TaggedSpan[] = [];
    walkLabelled(tokens, labels, margins, labelled.at, labelled.count, (type, start, end, margin) =>
      out.push({ type, start, end: type === 'NAME' ? nameEnd(tokens, labels, end) : end, score: calibrate(p.calibration[type], margin) }),
    );
    return out;
  };
}

/**
 * Where a name really ends. The tagger often stops after the first name ("Jane" of "Jane Doe",
 * "John" of "John Smith": surnames that are also words, or unseen ones), and masking half a name
 * leaves the other half readable. Up to two more capitalised words right after it, one space
 * apart, join the span. Not a word the tagger gave to another entity, nor one in all capitals
 * (CEO), with digits, a street word, an everyday word no name list knows ("Please", "If"), or the
 * start of an e-mail address or domain ("Jane.Doe@..."): the PII detector keeps only the stronger
 * of two overlapping findings, so a name grown into an e-mail would be dropped whole.
 */
export function nameEnd(t: Tokens, labels: Int32Array, end: number): number {
  let k = lastTokenEndingAt(t, end);
  for (let added = 0; k >= 0 && k + 1 < t.count && added < 2; added++) {
    const next = k + 1;
    const fl = t.flags[next];
    const g = t.gaz[next];
    if (labels[next] !== 0 || (fl & 16) === 0 || (fl & 2) !== 0 || (fl & 4) !== 0 || (g & GAZ_STREET) !== 0) break;
    if ((g & GAZ_VOCAB) !== 0 && (g & (GAZ_NAME | GAZ_LEXICON)) === 0) break;
    if (t.start[next] !== t.end[k] + 1 || t.text.charCodeAt(t.end[k]) !== 32 || !isCapital(t.text.charCodeAt(t.start[next]))) break;
    if (startsAddress(t, next)) break;
    k = next;
  }
  return k >= 0 ? t.end[k] : end;
}

/** An upper-case letter in any script (Ł, Č, Ё as well as A-Z). */
function isCapital(c: number): boolean {
  if (c < 128) return c >= 65 && c <= 90;
  const ch = String.fromCharCode(c);
  return ch.toLowerCase() !== ch;
}

/** Word `k` is glued to what follows by '@', '_' or a '.' before another word: an e-mail or domain. */
function startsAddress(t: Tokens, k: number): boolean {
  const n = k + 1;
  if (n >= t.count || t.start[n] !== t.end[k]) return false;
  const c = t.text.charCodeAt(t.start[n]);
  if (c === 64 || c === 95) return true;
  return c === 46 && n + 1 < t.count && t.start[n + 1] === t.end[n];
}

/** The token that ends at `end` (token ends ascend), or -1. */
function lastTokenEndingAt(t: Tokens, end: number): number {
  let lo = 0;
  let hi = t.count - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (t.end[mid] < end) lo = mid + 1;
    else if (t.end[mid] > end) hi = mid - 1;
    else return mid;
  }
  return -1;
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
