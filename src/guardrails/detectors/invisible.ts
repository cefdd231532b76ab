/**
 * Hidden-text detector: Unicode tag characters (decoded: they smuggle ASCII instructions past a
 * human reader), zero-width characters, bidi overrides/isolates, words mixing Latin with Cyrillic
 * or Greek look-alikes, and long base64/hex runs that decode to readable text. Decoded payloads are
 * on the findings (`decoded`) and from `decodeHiddenText`, so the prompt-attack classifier can scan
 * them too.
 */
import type { Detector, Finding, TextSource } from '../types.js';

import { isAscii } from './normalize.js';

export { normalizeForDetection, HOMOGLYPHS } from './normalize.js';

export const INVISIBLE_DETECTOR = 'invisible';

export type InvisibleType = 'UNICODE_TAGS' | 'ZERO_WIDTH' | 'BIDI_CONTROL' | 'HOMOGLYPH' | 'ENCODED_TEXT';

export interface InvisibleFinding extends Finding {
  type: InvisibleType;
  /** Hidden text: decoded tag characters, base64 or hex. Never logged by this module. */
  decoded?: string;
}

const TAG_RUN_RE = /(?:\uDB40[\uDC00-\uDC7F])+/g;
// U+200B ZWSP, U+2060 WJ, U+FEFF (inside text), U+180E; ZWNJ/ZWJ only between Latin letters,
// since they are needed in emoji sequences and in Indic and Arabic scripts.
const ZW_RE = /[\u200B\u2060-\u2064\u180E]+|(?<=.)\uFEFF+|(?<=[A-Za-z])[\u200C\u200D]+(?=[A-Za-z])/g;
const BIDI_RE = /[\u202A-\u202E\u2066-\u2069]+/g;
const WORD_RE = /[\p{L}\p{M}]{2,}/gu;
const LATIN_RE = /[A-Za-z\u00C0-\u024F]/;
const LOOKALIKE_RE = /[\u0370-\u03FF\u0400-\u04FF\u0500-\u052F]/;
// Base64 runs (standard and URL-safe alphabet) of at least this many characters are decoded.
const B64_MIN_RUN = 24;
const B64_CHAR = Uint8Array.from({ length: 128 }, (_, c) => Number(/[A-Za-z0-9+\/_\-]/.test(String.fromCharCode(c))));
// A run counts when it starts the text or follows whitespace or one of these.
const B64_AFTER = Uint8Array.from({ length: 128 }, (_, c) => Number(/[\s"'`(\[{<>=:,;|]/.test(String.fromCharCode(c))));
const SPACE_RE = /\s/;
// Hex-encoded printable ASCII: every byte's high nibble is 2-7, which prose rarely has in a row.
const HEX_RE = /(?:[2-7][0-9A-Fa-f][ :]?){12,}|(?:\\x[2-7][0-9A-Fa-f]){8,}/g;

function decodeTags(run: string): string {
  let out = '';
  for (let i = 0; i < run.length; i += 2) {
    const cp = 0xe0000 + (run.charCodeAt(i + 1) - 0xdc00);
    if (cp >= 0xe0020 && cp <= 0xe007e) out += String.fromCharCode(cp - 0xe0000);
  }
  return out;
}

/** Readable: printable ASCII, mostly letters and spaces, several words. Random keys decode to binary. */
export function readability(s: string): 'TEXT' | 'STRUCTURED' | 'BINARY' {
  if (s.length < 8) return 'BINARY';
  let printable = 0;
  let letters = 0;
  let spaces = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 32 && c < 127) || c === 10 || c === 13 || c === 9) printable++;
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) letters++;
    if (c === 32) spaces++;
  }
  if (printable / s.length < 0.95) return 'BINARY';
  if (letters / s.length >= 0.6 && spaces >= 2) return 'TEXT';
  return letters / s.length >= 0.3 ? 'STRUCTURED' : 'BINARY';
}

function decodeBase64(run: string): string {
  const b64 = run.replace(/-/g, '+').replace(/_/g, '/');
  return Buffer.from(b64, 'base64').toString('latin1');
}

function decodeHex(run: string): string {
  const hex = run.replace(/\\x|[ :]/g, '');
  return Buffer.from(hex.length % 2 === 0 ? hex : hex.slice(0, -1), 'hex').toString('latin1');
}

export interface InvisibleTextDetector extends Detector {
  scan(text: string, source?: TextSource): InvisibleFinding[];
}

export interface InvisibleOptions {
  /** Minimum base64 run length to decode (default 24 characters, i.e. 18 bytes). */
  minEncodedLength?: number;
}

export function createInvisibleTextDetector(opts: InvisibleOptions = {}): InvisibleTextDetector {
  const minLen = opts.minEncodedLength ?? 24;
  return {
    name: INVISIBLE_DETECTOR,
    scan(text: string): InvisibleFinding[] {
      const out: InvisibleFinding[] = [];
      const nonAscii = !isAscii(text);
      if (nonAscii) {
        scanRegex(TAG_RUN_RE, text, (m) => {
          out.push({ detector: INVISIBLE_DETECTOR, type: 'UNICODE_TAGS', start: m.index, end: m.index + m[0].length, confidence: 'HIGH', decoded: decodeTags(m[0]) });
        });
        scanRegex(ZW_RE, text, (m) => {
          out.push({ detector: INVISIBLE_DETECTOR, type: 'ZERO_WIDTH', start: m.index, end: m.index + m[0].length, confidence: m[0].length >= 2 ? 'HIGH' : 'MEDIUM' });
        });
        scanRegex(BIDI_RE, text, (m) => {
          out.push({ detector: INVISIBLE_DETECTOR, type: 'BIDI_CONTROL', start: m.index, end: m.index + m[0].length, confidence: 'HIGH' });
        });
        scanRegex(WORD_RE, text, (m) => {
          const w = m[0];
          if (LOOKALIKE_RE.test(w) && LATIN_RE.test(w)) {
            out.push({ detector: INVISIBLE_DETECTOR, type: 'HOMOGLYPH', start: m.index, end: m.index + w.length, confidence: 'HIGH' });
          }
        });
      }
      for (const f of scanEncoded(text, minLen)) out.push(f);
      return out;
    },
  };
}

function scanRegex(re: RegExp, s: string, fn: (m: RegExpExecArray) => void): void {
  re.lastIndex = 0;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) fn(m);
}

function isBase64Char(c: number): boolean {
  return c < 128 && B64_CHAR[c] === 1;
}

/**
 * Calls `fn` with each maximal run of at least `min` characters of an ASCII class (`inClass[c]`
 * is 1). A run that long must cover one of the positions probed every `min` characters, so prose
 * costs a few reads per word, where a regex tried a match at every position (or after every space).
 */
function eachLongRun(t: string, min: number, inClass: Uint8Array, fn: (start: number, end: number) => void): void {
  const has = (i: number): boolean => {
    const c = t.charCodeAt(i);
    return c < 128 && inClass[c] === 1;
  };
  let from = 0;
  for (let i = min - 1; i < t.length; ) {
    if (!has(i)) {
      i += min;
      continue;
    }
    let s = i;
    while (s > from && has(s - 1)) s--;
    let e = i + 1;
    while (e < t.length && has(e)) e++;
    from = e;
    i = e + min;
    if (e - s >= min) fn(s, e);
  }
}

/**
 * Calls `fn` with [start, end) of every base64 run: at least B64_MIN_RUN alphabet characters plus
 * up to two '=', starting the text or after whitespace or punctuation, and not followed by more
 * alphabet or '='.
 */
function eachBase64Run(t: string, fn: (start: number, end: number) => void): void {
  eachLongRun(t, B64_MIN_RUN, B64_CHAR, (s, e) => {
    if (s > 0) {
      const before = t.charCodeAt(s - 1);
      if (before < 128 ? B64_AFTER[before] === 0 : !SPACE_RE.test(t[s - 1])) return;
    }
    let pad = e;
    while (pad < t.length && t.charCodeAt(pad) === 61) pad++;
    if (pad - e > 2 || (pad < t.length && isBase64Char(t.charCodeAt(pad)))) return;
    fn(s, pad);
  });
}

// Every character a HEX_RE match can contain; a match is at least 24 of them.
const HEX_MIN_RUN = 24;
const HEX_RUN_CHAR = Uint8Array.from({ length: 128 }, (_, c) => Number(/[0-9A-Fa-f :\\x]/.test(String.fromCharCode(c))));

/**
 * HEX_RE's matches (index in `t`), found by running it only on the runs of characters it can
 * match: a match never extends past one.
 */
function eachHexMatch(t: string, fn: (m: RegExpExecArray) => void): void {
  eachLongRun(t, HEX_MIN_RUN, HEX_RUN_CHAR, (s, e) => {
    scanRegex(HEX_RE, t.slice(s, e), (m) => {
      m.index += s;
      fn(m);
    });
  });
}

function scanEncoded(text: string, minLen: number): InvisibleFinding[] {
  const out: InvisibleFinding[] = [];
  const push = (start: number, end: number, decoded: string): void => {
    const kind = readability(decoded);
    if (kind === 'BINARY') return;
    out.push({ detector: INVISIBLE_DETECTOR, type: 'ENCODED_TEXT', start, end, confidence: kind === 'TEXT' ? 'HIGH' : 'LOW', decoded });
  };
  eachBase64Run(text, (start, end) => {
    const run = text.slice(start, end);
    if (run.length < minLen || /^[0-9A-Fa-f]+$/.test(run)) return; // pure hex is decoded as hex below
    // Identifiers and paths ("some_long_function_name") are also base64 alphabet: require mixed case or digits.
    if (!/[A-Z]/.test(run) || !/[a-z0-9]/.test(run)) return;
    push(start, end, decodeBase64(run));
  });
  eachHexMatch(text, (m) => {
    // A run that continues a longer hex string to the left is a hash or id, not encoded text.
    if (m.index > 0 && /[0-9A-Fa-f]/.test(text[m.index - 1])) return;
    push(m.index, m.index + m[0].length, decodeHex(m[0].trimEnd()));
  });
  return out;
}

/** All hidden payloads in `text` (tag characters, base64, hex) that decode to readable text. */
export function decodeHiddenText(text: string): string[] {
  const out: string[] = [];
  if (!isAscii(text)) scanRegex(TAG_RUN_RE, text, (m) => out.push(decodeTags(m[0])));
  for (const f of scanEncoded(text, 24)) if (f.decoded) out.push(f.decoded);
  return out.filter((s) => s.length > 0);
}
