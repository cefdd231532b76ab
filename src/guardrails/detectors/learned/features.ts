/**
 * Hashed text features for the linear classifiers. Two sources: `tokens` (the committed models)
 * reads the shared tokenisation (tokens.ts) that the tagger and the cue features also use, so a
 * guardrail walks each text's characters once; `chars` hashes character n-grams of the
 * lower-cased text plus word unigrams and bigrams straight from the char codes. Either way the
 * hashes go into a reusable buffer, so scoring a 4 KB prompt allocates nothing per feature; the
 * caller reads indices from the buffer and sums weights.
 */

import { sharedTokens, type Tokens } from './tokens.js';

export interface FeatureSpec {
  /** log2 of the number of weight buckets. */
  bits: number;
  /** Character n-gram orders, inclusive, within 1..5. */
  charMin: number;
  charMax: number;
  /** Word unigrams and word bigrams. */
  words: boolean;
  /**
   * `tokens`: features come from the shared tokenisation (tagger-features.ts) instead of a pass
   * over the characters: each word, word bigram, the word's 3-letter prefix and suffix, and each
   * symbol with its left neighbour. One tokenisation then serves the tagger, the cue features and
   * every classifier. charMin/charMax are ignored. Default `chars`.
   */
  source?: 'chars' | 'tokens';
}

const FNV_PRIME = 0x01000193;
const CHAR_SEED = 0x811c9dc5;
const WORD_SEED = 0x9e3779b9;
const BIGRAM_SALT = 0x7f4a7c15;

function mix(h: number, c: number): number {
  return Math.imul(h ^ c, FNV_PRIME);
}

/** Full 32-bit finalised hash; each model masks it to its own number of buckets. */
function finalize(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  return h ^ (h >>> 13);
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x3000 || (c >= 0x2000 && c <= 0x200a);
}

/** Letters, digits and anything non-ASCII that is not whitespace count as word characters. */
function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c > 127 && !isSpace(c));
}

export interface HashedFeatures {
  /** Unmasked 32-bit hashes; index a model with `h & ((1 << bits) - 1)`. */
  indices: Int32Array;
  count: number;
}

interface Slot {
  text: string | null;
  key: string;
  buffer: Int32Array;
  count: number;
  /** Distinct masked indices for `uniqueBits` (-1: not computed for this text yet). */
  unique: Int32Array;
  uniqueCount: number;
  uniqueBits: number;
}

// The classifiers of one guardrail score the same text (and its normalised form) one after
// another with the same n-gram orders: two cached results mean each form is hashed once, not once
// per classifier. Buffers grow on demand and are never shrunk.
const newSlot = (): Slot => ({ text: null, key: '', buffer: new Int32Array(16384), count: 0, unique: new Int32Array(16384), uniqueCount: 0, uniqueBits: -1 });
const slots: Slot[] = [newSlot(), newSlot()];
let nextSlot = 0;
/** Buffers above this many entries (4 MB) are dropped once a normal-sized text comes along. */
const KEEP = 1 << 20;

/**
 * Hashes the features of `text` (ASCII and common Latin/Greek/Cyrillic capitals are lower-cased
 * here). The returned buffer stays valid until two other texts have been hashed.
 */
export function hashFeatures(text: string, spec: FeatureSpec): HashedFeatures {
  const slot = slotFor(text, spec);
  return { indices: slot.buffer, count: slot.count };
}

// Each model's spec object is long-lived: its cache key is built once, not per scored text.
const specKeys = new WeakMap<FeatureSpec, string>();

function keyOf(spec: FeatureSpec): string {
  let key = specKeys.get(spec);
  if (key === undefined) specKeys.set(spec, (key = `${spec.charMin}|${spec.charMax}|${spec.words}|${spec.source ?? 'chars'}`));
  return key;
}

function slotFor(text: string, spec: FeatureSpec): Slot {
  const key = keyOf(spec);
  for (const s of slots) if (s.text === text && s.key === key) return s;
  const slot = slots[nextSlot];
  nextSlot = (nextSlot + 1) % slots.length;
  const orders = spec.charMax - spec.charMin + 1;
  // Upper bound: per char `orders` char-grams, plus two word features per char at most.
  const need = (text.length + 2) * Math.max(4, orders + (spec.words ? 2 : 0)) + 8;
  if (slot.buffer.length < need) slot.buffer = new Int32Array(Math.max(need, slot.buffer.length * 2));
  else if (slot.buffer.length > KEEP && need <= KEEP) {
    // One huge text must not pin its buffers for the life of the process.
    slot.buffer = new Int32Array(KEEP);
    slot.unique = new Int32Array(KEEP);
  }
  slot.count = spec.source === 'tokens' ? hashTokens(sharedTokens(text), slot.buffer) : hashInto(text, spec, slot.buffer);
  slot.text = text;
  slot.key = key;
  slot.uniqueBits = -1;
  return slot;
}

// Generation stamps per bucket count, one byte each (fits in cache); cleared when the generation
// wraps. Shared because scoring is synchronous.
const stampTables = new Map<number, Uint8Array>();
let stampGeneration = 0;

/** A fresh generation for `bits`-wide stamps; `seen[k] === gen` means bucket k is counted. */
export function stampsFor(bits: number): { seen: Uint8Array; gen: number } {
  let seen = stampTables.get(bits);
  if (!seen) stampTables.set(bits, (seen = new Uint8Array(1 << bits)));
  if (++stampGeneration > 255) {
    for (const t of stampTables.values()) t.fill(0);
    stampGeneration = 1;
  }
  return { seen, gen: stampGeneration };
}

/**
 * Distinct buckets (masked to spec.bits) of the text's features: presence features, computed once
 * per text and shared by every model with the same feature spec.
 */
export function uniqueFeatures(text: string, spec: FeatureSpec): HashedFeatures {
  const slot = slotFor(text, spec);
  if (slot.uniqueBits !== spec.bits) {
    if (slot.unique.length < slot.count) slot.unique = new Int32Array(slot.buffer.length);
    const mask = (1 << spec.bits) - 1;
    const { seen, gen } = stampsFor(spec.bits);
    const src = slot.buffer;
    const out = slot.unique;
    let n = 0;
    for (let i = 0; i < slot.count; i++) {
      const k = src[i] & mask;
      if (seen[k] === gen) continue;
      seen[k] = gen;
      out[n++] = k;
    }
    slot.uniqueCount = n;
    slot.uniqueBits = spec.bits;
  }
  return { indices: slot.unique, count: slot.uniqueCount };
}

const PRE_SALT = 0x3c6ef372;
const SUF_SALT = 0xa54ff53a;
const SYM_SALT = 0x510e527f;

/** Token features (see FeatureSpec.source); at most four per token. */
function hashTokens(t: Tokens, out: Int32Array): number {
  let count = 0;
  let prev = 0x2545f491; // start of text
  for (let k = 0; k < t.count; k++) {
    const h = t.lower[k];
    if ((t.flags[k] & 16) !== 0) {
      out[count++] = finalize(mix(WORD_SEED, h));
      out[count++] = finalize(mix(prev ^ BIGRAM_SALT, h));
      // Prefix and suffix carry morphology and misspellings the word itself does not.
      if (t.end[k] - t.start[k] > 4) {
        out[count++] = finalize(mix(PRE_SALT, t.pre3[k]));
        out[count++] = finalize(mix(SUF_SALT, t.suf3[k]));
      }
    } else {
      out[count++] = finalize(mix(SYM_SALT ^ prev, h));
    }
    prev = h;
  }
  return count;
}

function hashInto(text: string, spec: FeatureSpec, out: Int32Array): number {
  const n = text.length;
  let count = 0;
  // Ring of the last five characters of the whitespace-collapsed stream; a leading space marks the
  // start of text so prefixes are features of their own.
  let c1 = 32, c2 = -1, c3 = -1, c4 = -1, c5 = -1;
  let seen = 1;
  let wordHash = WORD_SEED;
  let wordLen = 0;
  let prevWord = 0;
  let hasPrevWord = false;
  const { charMin, charMax, words } = spec;
  for (let i = 0; i <= n; i++) {
    let c = i < n ? text.charCodeAt(i) : 32;
    if (c >= 65 && c <= 90) c += 32;
    else if (c > 127 && c !== 0xa0) {
      // Non-ASCII letters: lower-case without allocating for the common Latin-1/Cyrillic/Greek ranges.
      if ((c >= 0xc0 && c <= 0xde && c !== 0xd7) || (c >= 0x391 && c <= 0x3a9) || (c >= 0x410 && c <= 0x42f)) c += 32;
    }
    const space = isSpace(c);
    if (words) {
      if (!space && isWordChar(c)) {
        wordHash = mix(wordHash, c);
        wordLen++;
      } else if (wordLen > 0) {
        out[count++] = finalize(wordHash);
        if (hasPrevWord) out[count++] = finalize(mix(prevWord ^ BIGRAM_SALT, wordHash));
        prevWord = wordHash;
        hasPrevWord = true;
        wordHash = WORD_SEED;
        wordLen = 0;
      }
    }
    if (space) {
      if (c1 === 32) continue;
      c = 32;
    }
    c5 = c4; c4 = c3; c3 = c2; c2 = c1; c1 = c;
    seen++;
    // Hash the window backwards from the newest character; each order extends the previous hash.
    let h = mix(CHAR_SEED, c1);
    if (charMin <= 1) out[count++] = finalize(h);
    if (seen < 2 || charMax < 2) continue;
    h = mix(h, c2);
    if (charMin <= 2) out[count++] = finalize(h);
    if (seen < 3 || charMax < 3) continue;
    h = mix(h, c3);
    if (charMin <= 3) out[count++] = finalize(h);
    if (seen < 4 || charMax < 4) continue;
    h = mix(h, c4);
    if (charMin <= 4) out[count++] = finalize(h);
    if (seen < 5 || charMax < 5) continue;
    h = mix(h, c5);
    out[count++] = finalize(h);
  }
  return count;
}
