import { createRequire } from 'node:module';

interface Tokenizer {
  countTokens(text: string): number;
  isWithinTokenLimit(text: string, limit: number): number | false;
}

let loaded: Tokenizer | undefined;

/**
 * gpt-tokenizer's BPE tables cost ~65 MB of memory and ~0.2 s to load, and most requests never
 * need an exact count (a byte count bounds the tokens), so they are loaded on first use, not at start.
 */
export function tokenizer(): Tokenizer {
  loaded ??= createRequire(import.meta.url)('gpt-tokenizer') as Tokenizer;
  return loaded;
}
