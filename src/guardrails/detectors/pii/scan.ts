/**
 * Shared plumbing for the PII scanners: the per-scan input (digit runs, keyword hits and the
 * lower-cased text, each computed once), the hit record, and the two ways a scanner's regex runs
 * without scanning the whole text: sticky at the digit runs it must start near (eachMatchAt), or
 * in windows around digits or keywords (eachMatchIn). Scanners are plain functions so the detector
 * can skip the ones whose types are disabled and run the rest in one loop.
 */
import type { Confidence } from '../../types.js';
import { byNumber, insertionSort, sortFlatSpans } from '../intervals.js';
import { literalHits, registerLiterals, type LiteralHits } from '../literals.js';
import type { PiiEntityType } from './entities.js';

/** Context keywords of a scanner, registered once: the lookups per scan are by id. */
export interface Keywords {
  readonly words: readonly string[];
  readonly ids: readonly number[];
}

/**
 * Registers a scanner's context keywords at module load. They are found with the other detectors'
 * literals in one pass per text (literals.ts).
 */
export function registerKeywords(words: readonly string[]): Keywords {
  return { words, ids: registerLiterals(words) };
}

/**
 * Ranks settle overlaps: a checksum-validated match beats a format match, which beats a match
 * that rests on a context word alone.
 */
export const RANK_CHECKSUM = 3;
export const RANK_FORMAT = 2;
export const RANK_CONTEXT = 1;

export interface PiiHit {
  type: PiiEntityType;
  start: number;
  end: number;
  confidence: Confidence;
  rank: number;
  /** The learned tagger's score, for its hits (reported on the finding). */
  score?: number;
}

/**
 * Windows (the [start, end) slices of the text a scanner needs to look at) plus their substrings,
 * sliced once per scan and shared by every scanner.
 */
export interface WindowSet {
  /** [start, end) of each window, flattened: start0, end0, start1, end1, ... */
  bounds: number[];
  slices: string[];
  /** Digits in each window (counting only the anchor runs); undefined for keyword windows, which count none. */
  digits: number[] | undefined;
}

/** `bounds` as a WindowSet; `runs` (flattened digit runs, as ScanInput.digitRuns) are counted per window. */
function sliceAll(t: string, bounds: number[], runs?: readonly number[]): WindowSet {
  const n = bounds.length >> 1;
  const slices: string[] = [];
  for (let w = 0; w < n; w++) {
    const s = bounds[2 * w];
    const e = bounds[2 * w + 1];
    slices.push(s === 0 && e === t.length ? t : t.slice(s, e));
  }
  let digits: number[] | undefined;
  if (runs !== undefined) {
    digits = [];
    for (let w = 0; w < n; w++) digits.push(0);
    let w = 0;
    for (let k = 0; k < runs.length; k += 2) {
      while (w < n && bounds[2 * w + 1] < runs[k + 1]) w++;
      if (w === n) break;
      digits[w] += runs[k + 1] - runs[k];
    }
  }
  return { bounds, slices, digits };
}

const DIGIT_RE = /\d/g;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
// Margins around digit runs. Numeric identifiers need only the token (windows widen to whitespace);
// context words are checked on the full text with near(). Addresses need the street name around
// the house number.
const DIGIT_MARGIN = 24;
const ADDRESS_BEFORE = 48;
const ADDRESS_AFTER = 72;

// Digit runs are collected here, then copied out at their exact length: growing a fresh array by
// push would allocate it several times over.
const runScratch: number[] = [];
/** Scratch arrays longer than this are dropped after use rather than kept for the next text. */
const SCRATCH_KEEP = 1 << 16;

export class ScanInput {
  private lowerCache: string | undefined;
  private digitCount = -1;
  private runs: number[] = [];
  private digitWindowCache: WindowSet | undefined;
  private addressWindowCache: WindowSet | undefined;
  private keywordCache: LiteralHits | undefined;

  constructor(readonly text: string) {}

  /** Number of ASCII digits; most scanners need several, so prose without digits skips them. */
  get digits(): number {
    if (this.digitCount < 0) this.computeDigits();
    return this.digitCount;
  }

  /**
   * Windows around digit runs. Most identifiers contain digits, and ordinary prose has few, so the
   * numeric scanners run on these slices instead of the whole text.
   */
  get digitWindows(): WindowSet {
    if (this.digitCount < 0) this.computeDigits();
    if (this.digitWindowCache === undefined) {
      this.digitWindowCache = sliceAll(this.text, windowsAround(this.text, this.runs, DIGIT_MARGIN, DIGIT_MARGIN), this.runs);
    }
    return this.digitWindowCache;
  }

  /** Wider windows around digits, for street addresses. */
  get addressWindows(): WindowSet {
    if (this.digitCount < 0) this.computeDigits();
    if (this.addressWindowCache === undefined) {
      this.addressWindowCache = sliceAll(this.text, windowsAround(this.text, this.runs, ADDRESS_BEFORE, ADDRESS_AFTER), this.runs);
    }
    return this.addressWindowCache;
  }

  /** [start, end) of each run of ASCII digits, flattened: start0, end0, start1, end1, ... */
  get digitRuns(): number[] {
    if (this.digitCount < 0) this.computeDigits();
    return this.runs;
  }

  private computeDigits(): void {
    const t = this.text;
    const runs = runScratch;
    let count = 0;
    let n = 0;
    // test() finds the next digit without allocating a match; the run is then walked by hand.
    DIGIT_RE.lastIndex = 0;
    while (DIGIT_RE.test(t)) {
      const start = DIGIT_RE.lastIndex - 1;
      let end = start + 1;
      while (end < t.length && isDigit(t.charCodeAt(end))) end++;
      n += end - start;
      runs[count++] = start;
      runs[count++] = end;
      DIGIT_RE.lastIndex = end;
    }
    this.digitCount = n;
    this.runs = runs.slice(0, count);
    // A huge text must not pin its runs in the scratch array.
    if (count > SCRATCH_KEEP) runScratch.length = 0;
  }

  /** Start offsets of each registered keyword, by keyword id (undefined: no occurrence). */
  get keywordHits(): LiteralHits {
    this.keywordCache ??= literalHits(this.text);
    return this.keywordCache;
  }

  /** ASCII-safe lower case: same length as `text`, so offsets carry over. */
  get lower(): string {
    if (this.lowerCache === undefined) {
      const l = this.text.toLowerCase();
      // A few characters change length when lower-cased (e.g. U+0130); keep offsets exact then.
      this.lowerCache = l.length === this.text.length ? l : this.text.replace(/[A-Z]/g, (c) => c.toLowerCase());
    }
    return this.lowerCache;
  }
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13;
}

/**
 * Merged windows of `before`/`after` chars around `spans` (flattened [start, end) pairs, by start),
 * widened to whitespace (at most 32 more chars) so no token is cut: a slice then matches like the
 * full text for patterns anchored by word boundaries or negative look-arounds. Flattened as well.
 */
export function windowsAround(t: string, spans: readonly number[], before: number, after: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < spans.length; k += 2) {
    let s = Math.max(0, spans[k] - before);
    let e = Math.min(t.length, spans[k + 1] + after);
    for (let i = 0; i < 32 && s > 0 && !isSpace(t.charCodeAt(s - 1)); i++) s--;
    for (let i = 0; i < 32 && e < t.length && !isSpace(t.charCodeAt(e)); i++) e++;
    if (out.length > 0 && s <= out[out.length - 1]) out[out.length - 1] = Math.max(out[out.length - 1], e);
    else out.push(s, e);
  }
  return out;
}

/** Windows around each occurrence of any of `keywords` in the text. */
export function keywordWindows(input: ScanInput, keywords: Keywords, before: number, after: number): WindowSet | undefined {
  const hits = input.keywordHits;
  let spans: number[] | undefined;
  let sorted = true;
  for (let k = 0; k < keywords.ids.length; k++) {
    const starts = hits[keywords.ids[k]];
    if (starts === undefined) continue;
    const len = keywords.words[k].length;
    spans ??= [];
    for (const s of starts) {
      if (spans.length > 0 && s < spans[spans.length - 2]) sorted = false;
      spans.push(s, s + len);
    }
  }
  if (spans === undefined) return undefined;
  if (!sorted) sortFlatSpans(spans);
  return sliceAll(input.text, windowsAround(input.text, spans, before, after));
}

/** True when any of `keywords` occurs in the text. */
export function hasKeyword(input: ScanInput, keywords: Keywords): boolean {
  const hits = input.keywordHits;
  for (const id of keywords.ids) if (hits[id] !== undefined) return true;
  return false;
}

/**
 * Runs a global regex over each window; match offsets (index, and indices with the d flag) are
 * rewritten to positions in the full text.
 */
export function eachMatchIn(
  re: RegExp, _text: string, set: WindowSet, minDigits: number, fn: (m: RegExpExecArray) => void, needs?: RegExp,
): void {
  for (let w = 0; w < set.slices.length; w++) {
    if (minDigits > 0 && (set.digits === undefined || set.digits[w] < minDigits)) continue;
    const s = set.bounds[2 * w];
    const sub = set.slices[w];
    if (needs !== undefined && !needs.test(sub)) continue;
    re.lastIndex = 0;
    for (let m = re.exec(sub); m !== null; m = re.exec(sub)) {
      if (m[0].length === 0) re.lastIndex++;
      if (s !== 0) {
        m.index += s;
        if (m.indices) for (const pair of m.indices) if (pair) { pair[0] += s; pair[1] += s; }
      }
      fn(m);
    }
  }
}

/** Where a sticky regex can start, relative to the digit runs of the text (see eachMatchAt). */
export interface Anchor {
  /** The match starts this many characters before a digit run (0: at the run); ascending. */
  offsets: readonly number[];
  /** Lengths the first digit run of a match can have. */
  minRun: number;
  maxRun: number;
  /** For offsets > 0: the first character of the match (a letter, '+'), checked before the regex runs. */
  lead?: (c: number) => boolean;
  /**
   * A cheap necessary condition on the run, checked before the regex runs; `r` is the index of the
   * run's start in `runs` (flattened start, end pairs, as ScanInput.digitRuns).
   */
  accept?: (t: string, runs: readonly number[], r: number) => boolean;
}

/**
 * What eachMatchAt calls per match. The scan's input and hit list are passed in, so a scanner's
 * handler can be a module-level function instead of a closure allocated on every scan.
 */
export type MatchHandler = (m: RegExpExecArray, input: ScanInput, out: PiiHit[]) => void;

// eachMatchAt's candidate starts, reused from call to call (the first `count` entries are valid).
// While a call holds it, it is undefined, so a handler that itself called eachMatchAt would get a
// fresh array.
let spareCandidates: number[] | undefined = [];

/**
 * Runs a sticky (`y`) regex only where it can start: `offset` chars before the start of each digit
 * run whose length is in [minRun, maxRun]. Exact for patterns whose first digit sits at a fixed
 * distance from the match start, and much cheaper than scanning windows: prose has a few dozen
 * digit runs per 4 KB, and the cheap character checks drop most of them before the regex runs.
 * As in a global scan, a candidate inside the previous match is skipped. Matches are on the full
 * text, so their offsets need no rewriting.
 */
export function eachMatchAt(input: ScanInput, re: RegExp, anchor: Anchor, fn: MatchHandler, out: PiiHit[] = []): void {
  const t = input.text;
  const runs = input.digitRuns;
  const { offsets, minRun, maxRun, lead, accept } = anchor;
  let candidates: number[] | undefined;
  let count = 0;
  if (offsets.length > 1) {
    candidates = spareCandidates ?? [];
    spareCandidates = undefined;
    // Matches must come in text order, as in a global scan; candidates of neighbouring runs can
    // interleave, and are sorted then.
    let sorted = true;
    for (let r = 0; r < runs.length; r += 2) {
      const len = runs[r + 1] - runs[r];
      if (len < minRun || len > maxRun || (accept && !accept(t, runs, r))) continue;
      for (let k = offsets.length - 1; k >= 0; k--) {
        const o = offsets[k];
        const at = runs[r] - o;
        if (at < 0 || (o > 0 && lead && !lead(t.charCodeAt(at)))) continue;
        if (count > 0 && candidates[count - 1] >= at) sorted = false;
        candidates[count++] = at;
      }
    }
    // Out of order only where the candidates of neighbouring digit runs interleave, each by less
    // than the largest offset: insertion sort is linear here and allocates nothing.
    if (!sorted) insertionSort(candidates, count, byNumber);
  }
  try {
    const o = offsets[0];
    const n = candidates ? count : runs.length >> 1;
    let done = 0;
    for (let k = 0; k < n; k++) {
      let at: number;
      if (candidates) at = candidates[k];
      else {
        const len = runs[2 * k + 1] - runs[2 * k];
        if (len < minRun || len > maxRun || (accept && !accept(t, runs, 2 * k))) continue;
        at = runs[2 * k] - o;
        if (at < 0 || (o > 0 && lead && !lead(t.charCodeAt(at)))) continue;
      }
      if (at < done) continue;
      re.lastIndex = at;
      const m = re.exec(t);
      if (m === null) continue;
      done = m.index + Math.max(1, m[0].length);
      fn(m, input, out);
    }
  } finally {
    // Kept for the next call, unless a huge text grew it (it must not pin that memory).
    if (candidates) spareCandidates = candidates.length > SCRATCH_KEEP ? [] : candidates;
  }
}

/** Character tests for Anchor.lead. */
export const isUpper = (c: number): boolean => c >= 65 && c <= 90;
export const isLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/**
 * Anchor.accept for patterns whose first digit group has exactly `group` digits and continues
 * after one of `seps` (or, unseparated, is `whole` digits long).
 */
export function groupedRun(group: number, seps: string, ...whole: number[]): NonNullable<Anchor['accept']> {
  return (t, runs, r) => {
    const len = runs[r + 1] - runs[r];
    return whole.includes(len) || (len === group && seps.includes(t[runs[r + 1]] ?? '\u0000'));
  };
}

export type Scanner = (input: ScanInput, out: PiiHit[]) => void;

/** True when `re` (no g flag) matches the `before` chars preceding `start` or the `after` chars after `end`. */
export function near(input: ScanInput, start: number, end: number, re: RegExp, before = 48, after = 0): boolean {
  const l = input.lower;
  if (before > 0 && re.test(l.slice(Math.max(0, start - before), start))) return true;
  return after > 0 && re.test(l.slice(end, end + after));
}

/** Runs a global regex over `s`, calling `fn` per match. Resets lastIndex so shared regexes are safe. */
export function eachMatch(re: RegExp, s: string, fn: (m: RegExpExecArray) => void): void {
  re.lastIndex = 0;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    fn(m);
    if (m[0].length === 0) re.lastIndex++;
  }
}

/**
 * For "keyword ... value" patterns: the value is the last capture group; returns its offsets.
 * Requires the `d` flag on the regex.
 */
export function groupSpan(m: RegExpExecArray, group: number): [number, number] | undefined {
  const idx = m.indices?.[group];
  return idx ? [idx[0], idx[1]] : undefined;
}

/**
 * Strict filler for keywords that are also ordinary words ("user", "pass"): an explicit ":", "=",
 * "#", "is" or "was" must separate keyword and value.
 */
export const ASSIGN_STRICT = String.raw`(?:\s*(?:(?:number|num|no|id|name)\b|#)\.?)?\s{0,3}(?:[:=#]|\bis\b|\bwas\b)(?:\s{0,3}(?:is|was)\b)?[\s:=#\-]{0,4}["'\x60]?`;

/** Filler between a context keyword and its value: "is", ":", "=", "#", "no." and spaces. */
export const ASSIGN = String.raw`(?:\s*(?:(?:number|num|no|id|code)\b|#)\.?)?[\s:=#\-]{0,4}(?:(?:is|was|are|of)\b[\s:=#\-]{0,4})?["'\x60]?`;
