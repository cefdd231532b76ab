/**
 * Shared plumbing for the PII scanners: the per-scan input (lower-cased text computed once), the
 * hit record, and context-window tests. Scanners are plain functions so the detector can skip the
 * ones whose types are disabled and run the rest in one loop.
 */
import type { Confidence } from '../../types.js';
import { AhoCorasick } from '../aho-corasick.js';
import type { PiiEntityType } from './entities.js';

/**
 * Context keywords of every scanner, found in one Aho-Corasick pass per scan instead of one
 * indexOf per keyword. Scanners register theirs at module load.
 */
const KEYWORDS: string[] = [];
const KEYWORD_IDS = new Map<string, number>();
let keywordAc: AhoCorasick | undefined;

export function registerKeywords(words: readonly string[]): void {
  for (const w of words) {
    if (KEYWORD_IDS.has(w)) continue;
    KEYWORD_IDS.set(w, KEYWORDS.length);
    KEYWORDS.push(w);
    keywordAc = undefined;
  }
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
}

/** A [start, end) slice of the text that a scanner needs to look at. */
export type Window = readonly [number, number];

/** Windows plus their substrings, sliced once per scan and shared by every scanner. */
export interface WindowSet {
  windows: Window[];
  slices: string[];
  /** Length of the longest digit run in each window: scanners skip windows that cannot hold their number. */
  maxRun: number[];
  /** Digits in each window (counting only the anchor runs). */
  digits: number[];
}

function sliceAll(t: string, windows: Window[], spans: [number, number][] = []): WindowSet {
  const maxRun = windows.map(() => 0);
  const digits = windows.map(() => 0);
  let w = 0;
  for (const [a, b] of spans) {
    while (w < windows.length && windows[w][1] < b) w++;
    if (w === windows.length) break;
    maxRun[w] = Math.max(maxRun[w], b - a);
    digits[w] += b - a;
  }
  return { windows, slices: windows.map(([s, e]) => (s === 0 && e === t.length ? t : t.slice(s, e))), maxRun, digits };
}

const DIGIT_RUN_RE = /\d+/g;
// Margins around digit runs. Numeric identifiers need only the token (windows widen to whitespace);
// context words are checked on the full text with near(). Addresses need the street name around
// the house number.
const DIGIT_MARGIN = 24;
const ADDRESS_BEFORE = 48;
const ADDRESS_AFTER = 72;

export class ScanInput {
  private lowerCache: string | undefined;
  private digitCount = -1;
  private digitSpans: [number, number][] = [];
  private digitWindowCache: WindowSet | undefined;
  private addressWindowCache: WindowSet | undefined;
  private keywordCache: (number[] | undefined)[] | undefined;

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
    this.digitWindowCache ??= sliceAll(this.text, windowsAround(this.text, this.digitSpans, DIGIT_MARGIN, DIGIT_MARGIN), this.digitSpans);
    return this.digitWindowCache;
  }

  /** Wider windows around digits, for street addresses. */
  get addressWindows(): WindowSet {
    if (this.digitCount < 0) this.computeDigits();
    this.addressWindowCache ??= sliceAll(this.text, windowsAround(this.text, this.digitSpans, ADDRESS_BEFORE, ADDRESS_AFTER), this.digitSpans);
    return this.addressWindowCache;
  }

  private computeDigits(): void {
    const t = this.text;
    const spans: [number, number][] = [];
    let n = 0;
    DIGIT_RUN_RE.lastIndex = 0;
    for (let m = DIGIT_RUN_RE.exec(t); m !== null; m = DIGIT_RUN_RE.exec(t)) {
      n += m[0].length;
      spans.push([m.index, m.index + m[0].length]);
    }
    this.digitCount = n;
    this.digitSpans = spans;
  }

  /** Start offsets of each registered keyword, by keyword id (undefined: no occurrence). */
  get keywordHits(): (number[] | undefined)[] {
    if (this.keywordCache === undefined) {
      keywordAc ??= new AhoCorasick(KEYWORDS);
      const hits: (number[] | undefined)[] = new Array<number[] | undefined>(KEYWORDS.length);
      keywordAc.findAll(this.text, (pattern, start) => {
        const list = hits[pattern];
        if (list === undefined) hits[pattern] = [start];
        else list.push(start);
      });
      this.keywordCache = hits;
    }
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
 * Merged windows of `before`/`after` chars around `spans`, widened to whitespace (at most 32 more
 * chars) so no token is cut: a slice then matches like the full text for patterns anchored by
 * word boundaries or negative look-arounds.
 */
export function windowsAround(t: string, spans: [number, number][], before: number, after: number): Window[] {
  const out: [number, number][] = [];
  for (const [a, b] of spans) {
    let s = Math.max(0, a - before);
    let e = Math.min(t.length, b + after);
    for (let k = 0; k < 32 && s > 0 && !isSpace(t.charCodeAt(s - 1)); k++) s--;
    for (let k = 0; k < 32 && e < t.length && !isSpace(t.charCodeAt(e)); k++) e++;
    const last = out[out.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

/** Windows around each occurrence of any of `keywords` in `input.lower`. */
export function keywordWindows(input: ScanInput, keywords: readonly string[], before: number, after: number): WindowSet | undefined {
  const hits = input.keywordHits;
  let spans: [number, number][] | undefined;
  for (const k of keywords) {
    const id = KEYWORD_IDS.get(k);
    if (id === undefined) throw new Error(`keyword '${k}' was not registered`);
    const starts = hits[id];
    if (starts !== undefined) for (const s of starts) (spans ??= []).push([s, s + k.length]);
  }
  if (spans === undefined) return undefined;
  spans.sort((x, y) => x[0] - y[0]);
  return sliceAll(input.text, windowsAround(input.text, spans, before, after));
}

/** True when any of `keywords` occurs in the text. */
export function hasKeyword(input: ScanInput, keywords: readonly string[]): boolean {
  const hits = input.keywordHits;
  return keywords.some((k) => {
    const id = KEYWORD_IDS.get(k);
    if (id === undefined) throw new Error(`keyword '${k}' was not registered`);
    return hits[id] !== undefined;
  });
}

/**
 * Runs a global regex over each window; match offsets (index, and indices with the d flag) are
 * rewritten to positions in the full text.
 */
export function eachMatchIn(
  re: RegExp, _text: string, set: WindowSet, minDigits: number, fn: (m: RegExpExecArray) => void, needs?: RegExp,
): void {
  for (let w = 0; w < set.windows.length; w++) {
    if (minDigits > 0 && set.digits[w] < minDigits) continue;
    const s = set.windows[w][0];
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
