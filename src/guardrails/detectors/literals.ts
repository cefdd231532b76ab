/**
 * Literal substrings that detectors gate their regexes on (PII context keywords, secret-key
 * prefixes), all found in one case-insensitive Aho-Corasick pass per text. The detectors of a
 * guardrail scan the same texts one after another, so the hits of the last few texts are kept:
 * the PII and secrets detectors pay for one pass between them instead of one each (an automaton
 * pass costs about as much as the rest of the secrets detector).
 */
import { AhoCorasick } from './aho-corasick.js';

const LITERALS: string[] = [];
const IDS = new Map<string, number>();
let automaton: AhoCorasick | undefined;
/** Changes whenever a literal is added. */
let version = 0;

/** Adds literals (matched case-insensitively) at module load; returns their ids, in order. */
export function registerLiterals(words: readonly string[]): number[] {
  return words.map((w) => {
    let id = IDS.get(w);
    if (id === undefined) {
      id = LITERALS.push(w) - 1;
      IDS.set(w, id);
      automaton = undefined;
      version++;
      cache.fill(EMPTY);
    }
    return id;
  });
}

/** Start offsets of each literal in a text, by id; undefined where it does not occur. Read-only. */
export type LiteralHits = readonly (readonly number[] | undefined)[];

interface Entry {
  text: string | undefined;
  hits: LiteralHits;
}
const EMPTY: Entry = { text: undefined, hits: [] };
// A few texts, since a guardrail runs each detector over all texts of a call before the next one.
const cache: Entry[] = new Array<Entry>(16).fill(EMPTY);
let next = 0;

export function literalHits(text: string): LiteralHits {
  for (const e of cache) if (e.text === text) return e.hits;
  automaton ??= new AhoCorasick(LITERALS);
  const hits = new LiteralCollector(LITERALS.length, version);
  automaton.findAll(text, (id, start) => hits.add(id, start));
  return hits.remember(text) ?? hits.hits;
}

/** The literals registered so far, in id order, to build into another automaton (see LiteralCollector). */
export function registeredLiterals(): { words: readonly string[]; version: number } {
  return { words: [...LITERALS], version };
}

/**
 * Hits gathered by another pass over a text: the word filter's automaton includes the literals
 * (registeredLiterals), so a guardrail with a word policy scans each text once for both.
 */
export class LiteralCollector {
  readonly hits: (number[] | undefined)[];

  constructor(count: number, private readonly builtAt: number) {
    this.hits = new Array<number[] | undefined>(count);
  }

  add(id: number, start: number): void {
    const list = this.hits[id];
    if (list === undefined) this.hits[id] = [start];
    else list.push(start);
  }

  /** Keeps the hits of `text` for the detectors that scan it next; they are read-only from now on. */
  remember(text: string): LiteralHits | undefined {
    // Literals registered after the pass's automaton was built would be missing: do not keep those hits.
    if (this.builtAt !== version) return undefined;
    cache[next] = { text, hits: this.hits };
    next = (next + 1) % cache.length;
    return this.hits;
  }
}
