/**
 * Word filters: custom words/phrases and the managed PROFANITY list, case-insensitive and whole
 * word, in one Aho-Corasick pass. The text is scanned as given (findings with offsets) and, when
 * it differs, once more after normalizeForDetection, which catches leetspeak, spacing, homoglyph
 * and zero-width obfuscation (findings without offsets: normalised text does not map back).
 */
import type { Detector, Finding, TextSource } from '../types.js';
import { AhoCorasick } from './aho-corasick.js';
import { LiteralCollector, registeredLiterals } from './literals.js';
import { DetectorConfigError } from './config-error.js';
import { isAscii, normalizeDetailed } from './normalize.js';
import { peekTokens } from './learned/tokens.js';
import profanity from './profanity-en.json' with { type: 'json' };

export const WORDS_DETECTOR = 'words';
export type WordType = 'CUSTOM_WORD' | 'PROFANITY';
export type ManagedWordList = 'PROFANITY';

export interface WordFinding extends Finding {
  type: WordType;
  /** The configured word or phrase that matched (Bedrock reports it as `match`). */
  match: string;
}

export interface WordsDetector extends Detector {
  scan(text: string, source?: TextSource): WordFinding[];
}

export interface WordsOptions {
  words?: string[];
  managedLists?: ManagedWordList[];
}

const MAX_WORDS = 10_000;
const MAX_WORD_LENGTH = 100;

export const PROFANITY_WORDS: readonly string[] = (profanity as { words: string[] }).words;

/** Canonical form of a configured word: the same normalisation as the text, so both sides agree. */
function canonical(w: string): string {
  return w.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

function isWordChar(c: number): boolean {
  if (c < 128) return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
  return /[\p{L}\p{N}\p{M}]/u.test(String.fromCharCode(c));
}

export function createWordsDetector(opts: WordsOptions = {}): WordsDetector {
  const entries: { text: string; type: WordType; match: string }[] = [];
  const custom = opts.words ?? [];
  if (!Array.isArray(custom)) throw new DetectorConfigError('words', 'must be an array');
  if (custom.length > MAX_WORDS) throw new DetectorConfigError('words', `at most ${MAX_WORDS} entries`);
  custom.forEach((w, i) => {
    if (typeof w !== 'string' || canonical(w).length === 0) throw new DetectorConfigError(`words[${i}]`, 'must be a non-empty string');
    if (w.length > MAX_WORD_LENGTH) throw new DetectorConfigError(`words[${i}]`, `longer than ${MAX_WORD_LENGTH} characters`);
    entries.push({ text: canonical(w), type: 'CUSTOM_WORD', match: w });
  });
  (opts.managedLists ?? []).forEach((l, i) => {
    if (l !== 'PROFANITY') throw new DetectorConfigError(`managedLists[${i}]`, `unknown managed word list '${String(l)}'`);
    for (const w of PROFANITY_WORDS) entries.push({ text: canonical(w), type: 'PROFANITY', match: w });
  });
  // The literals other detectors gate on ride along (patterns after the words): one pass over the
  // text finds both, and the PII and secrets detectors reuse the literal hits.
  const literals = registeredLiterals();
  const ac = new AhoCorasick([...entries.map((e) => e.text), ...literals.words]);
  const wordCount = entries.length;

  function find(text: string, withOffsets: boolean, seen: Set<number>, out: WordFinding[], lits?: LiteralCollector): void {
    ac.findAll(text, (pattern, start, end) => {
      if (pattern >= wordCount) {
        lits?.add(pattern - wordCount, start);
        return;
      }
      if (start > 0 && isWordChar(text.charCodeAt(start - 1))) return;
      if (end < text.length && isWordChar(text.charCodeAt(end))) return;
      const e = entries[pattern];
      if (!withOffsets && seen.has(pattern)) return;
      seen.add(pattern);
      const f: WordFinding = { detector: WORDS_DETECTOR, type: e.type, confidence: 'HIGH', match: e.match };
      if (withOffsets) {
        f.start = start;
        f.end = end;
      }
      out.push(f);
    });
  }

  return {
    name: WORDS_DETECTOR,
    scan(text: string): WordFinding[] {
      const out: WordFinding[] = [];
      if (entries.length === 0) return out;
      const seen = new Set<number>();
      // The automaton folds case itself, so the text is scanned as given and offsets are exact.
      const lits = new LiteralCollector(literals.words.length, literals.version);
      find(text, true, seen, out, lits);
      lits.remember(text);
      // Obfuscated forms: only words not already found in the plain text are reported again. When
      // a classifier has just tokenised this text, its tokens say whether normalisation can
      // change anything (Tokens.hint), which spares the hint regex's pass over the text.
      const tokens = peekTokens(text);
      if (tokens !== undefined && !tokens.hint && isAscii(text)) return out;
      const norm = normalizeDetailed(text, { onlyIfDeobfuscated: true });
      if (norm.deobfuscated) {
        find(norm.text, false, seen, out);
        if (norm.leetOne) {
          const normL = normalizeDetailed(text, { one: 'l' });
          if (normL.text !== norm.text) find(normL.text, false, seen, out);
        }
      }
      return out;
    },
  };
}
