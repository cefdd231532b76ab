/**
 * Features of the NAME/ADDRESS tagger over the shared tokens (tokens.ts): gazetteer lookups, the
 * rule for which tokens may open an entity, and the hashed per-token feature templates. No
 * per-token strings are built.
 */
import { hashString, mix, type Tokens } from './tokens.js';

// Re-exported for the training script, which imports the tagger's pieces from here.
export { hashString, mix, sharedTokens, Tokens } from './tokens.js';

export const LABELS = ['O', 'B-NAME', 'I-NAME', 'B-ADDRESS', 'I-ADDRESS'] as const;
export const NUM_LABELS = LABELS.length;
export const STATIC_FEATURES = 30;

/** Membership test over 32-bit word hashes; Set<number> satisfies it, IntSet is the fast one. */
export interface HashSetLike {
  has(h: number): boolean;
}

/**
 * Open-addressing set of int32 word hashes: several times faster than Set<number> for the
 * per-token lookups of the tagger, and no allocation per lookup.
 */
export class IntSet implements HashSetLike {
  private readonly table: Int32Array;
  private readonly used: Uint8Array;
  private readonly mask: number;

  constructor(values: Iterable<number>) {
    const list = [...values];
    let size = 16;
    while (size < list.length * 2) size *= 2;
    this.table = new Int32Array(size);
    this.used = new Uint8Array(size);
    this.mask = size - 1;
    for (const v of list) this.add(v | 0);
  }

  private slot(h: number): number {
    return Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0 & this.mask;
  }

  private add(h: number): void {
    let i = this.slot(h);
    while (this.used[i] && this.table[i] !== h) i = (i + 1) & this.mask;
    this.used[i] = 1;
    this.table[i] = h;
  }

  has(h: number): boolean {
    let i = this.slot(h);
    while (this.used[i]) {
      if (this.table[i] === h) return true;
      i = (i + 1) & this.mask;
    }
    return false;
  }
}

/** Street words that mark an address; the training data adds its own address vocabulary. */
const STREET_WORDS = [
  'street', 'st', 'avenue', 'ave', 'av', 'road', 'rd', 'lane', 'ln', 'drive', 'dr', 'boulevard', 'blvd', 'court', 'ct',
  'place', 'pl', 'square', 'sq', 'way', 'terrace', 'parkway', 'pkwy', 'highway', 'hwy', 'circle', 'cir', 'trail', 'suite',
  'ste', 'apt', 'apartment', 'unit', 'floor', 'fl', 'po', 'box', 'route', 'rte', 'crescent', 'close', 'row', 'hill', 'park',
  'gade', 'vej', 'straße', 'strasse', 'str', 'rue', 'via', 'calle', 'weg', 'allee', 'plads', 'gata', 'gatan', 'vei', 'veien',
];
export const STREET_HASHES: HashSetLike = new IntSet(STREET_WORDS.map(hashString));

export interface Gazetteers {
  names: HashSetLike;
  address: HashSetLike;
  /**
   * Words seen written in lower case in ordinary text (tweets, chat prompts): a capitalised token
   * that is also a common lower-case word ("Since", "Number") is rarely a name.
   */
  vocab: HashSetLike;
  /** A general people-names lexicon (cspell's, MIT), independent of the training sentences. */
  lexicon: HashSetLike;
}

export const GAZ_NAME = 1;
export const GAZ_ADDRESS = 2;
export const GAZ_STREET = 4;
export const GAZ_VOCAB = 8;
export const GAZ_LEXICON = 16;

/**
 * Tokens that may open an entity. Any other token after an O tag is O without scoring, which skips
 * most of ordinary prose (training applies the same rule, so the model never relies on scoring
 * them). Checked on pii.jsonl: no NAME or ADDRESS starts on a token this rule refuses.
 */
export function canOpen(t: Tokens, i: number): boolean {
  const fl = t.flags[i];
  const g = t.gaz[i];
  if ((fl & 8) !== 0) return digitsMayOpen(t, i);
  if ((fl & 7) !== 0) {
    // A capitalised everyday word ("Please", "For") that no name list knows does not open a name;
    // it may still open an address when a street word follows.
    if ((g & GAZ_VOCAB) !== 0 && (g & (GAZ_NAME | GAZ_LEXICON)) === 0) return (fl & 2) !== 0 || streetAhead(t, i);
    return true;
  }
  // A lower-case word opens only if a gazetteer knows it and it is not an everyday word: the name
  // lexicon and the address vocabulary contain "in", "and", "the".
  return (g & (GAZ_NAME | GAZ_ADDRESS | GAZ_LEXICON)) !== 0 && (g & GAZ_VOCAB) === 0;
}

function streetAhead(t: Tokens, i: number): boolean {
  for (let k = i + 1; k <= i + 5 && k < t.count; k++) if ((t.gaz[k] & GAZ_STREET) !== 0) return true;
  return false;
}

/**
 * A number opens an address only in address context: a street word ahead (house number), or a
 * capitalised or address word just before or after it (zip code after a city or state, "12 Rue").
 * Counts, prices, times and phone digits skip the scorer.
 */
/** Words after which a number is often a zip code or house number ("my zip code is 610", "at 9816"). */
const NUMBER_CONTEXT: HashSetLike = new IntSet(['zip', 'code', 'postcode', 'postal', 'address', 'at', 'in', 'is', 'of', 'on', 'to', 'from', 'live', 'lives', 'located', 'corner'].map(hashString));

function digitsMayOpen(t: Tokens, i: number): boolean {
  if ((t.flags[i] & 512) !== 0 || streetAhead(t, i)) return true;
  let p = i - 1;
  if (p >= 0 && (t.flags[p] & 16) === 0 && t.end[p] - t.start[p] === 1) p--; // "Springfield, 62704"
  if (p >= 0 && (t.flags[p] & 0x13) > 16) return true;
  if (p >= 0 && ((t.gaz[p] & GAZ_ADDRESS) !== 0 || NUMBER_CONTEXT.has(t.lower[p]))) return true;
  const nx = i + 1;
  return nx < t.count && ((t.flags[nx] & 0x13) > 16 || (t.gaz[nx] & GAZ_ADDRESS) !== 0);
}

/**
 * The gazetteers merged into one open-addressing map from word hash to GAZ_* bits: one probe per
 * token instead of five set lookups. Built once per Gazetteers object.
 */
class GazIndex {
  private readonly keys: Int32Array;
  private readonly bits: Uint8Array;
  private readonly mask: number;

  constructor(gaz: Gazetteers, words: Iterable<number>) {
    const entries = new Map<number, number>();
    for (const h of words) {
      let b = 0;
      if (gaz.names.has(h)) b |= GAZ_NAME;
      if (STREET_HASHES.has(h)) b |= GAZ_STREET | GAZ_ADDRESS;
      else if (gaz.address.has(h)) b |= GAZ_ADDRESS;
      if (gaz.vocab.has(h)) b |= GAZ_VOCAB;
      if (gaz.lexicon.has(h)) b |= GAZ_LEXICON;
      if (b !== 0) entries.set(h | 0, b);
    }
    let size = 16;
    while (size < entries.size * 2) size *= 2;
    this.keys = new Int32Array(size);
    this.bits = new Uint8Array(size);
    this.mask = size - 1;
    for (const [h, b] of entries) {
      let i = slotOf(h, this.mask);
      while (this.bits[i] !== 0) i = (i + 1) & this.mask;
      this.keys[i] = h;
      this.bits[i] = b;
    }
  }

  get(h: number): number {
    let i = slotOf(h, this.mask);
    for (;;) {
      const b = this.bits[i];
      if (b === 0) return 0;
      if (this.keys[i] === h) return b;
      i = (i + 1) & this.mask;
    }
  }
}

function slotOf(h: number, mask: number): number {
  return (Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0) & mask;
}

/** Gazetteers that can list their members; a merged index is built for them once. */
export interface EnumerableGazetteers extends Gazetteers {
  /** Every word hash any gazetteer holds (street words are added here). */
  words: Iterable<number>;
}

const indexes = new WeakMap<Gazetteers, GazIndex>();

function lookupBits(gaz: Gazetteers, h: number): number {
  let b = 0;
  if (gaz.names.has(h)) b |= GAZ_NAME;
  if (STREET_HASHES.has(h)) b |= GAZ_STREET | GAZ_ADDRESS;
  else if (gaz.address.has(h)) b |= GAZ_ADDRESS;
  if (gaz.vocab.has(h)) b |= GAZ_VOCAB;
  if (gaz.lexicon.has(h)) b |= GAZ_LEXICON;
  return b;
}

/** A growable list of token indices, in order. */
export interface IndexList {
  at: Int32Array;
  count: number;
}

/**
 * Looks every token up once; features then test bits. With `candidates`, also lists the tokens
 * that might open an entity (a superset of canOpen's: capitalised, all-capital or with digits, or
 * known to a name or address list), so decoding need not visit the others.
 */
export function annotate(t: Tokens, gaz: Gazetteers, candidates?: IndexList): void {
  let index = indexes.get(gaz);
  if (!index && 'words' in gaz) {
    index = new GazIndex(gaz, [...(gaz as EnumerableGazetteers).words, ...STREET_WORDS.map(hashString)]);
    indexes.set(gaz, index);
  }
  if (candidates) {
    candidates.count = 0;
    // Grown for a longer text, dropped after a huge one (as the token tables are).
    if (candidates.at.length < t.count || (candidates.at.length > 65536 && t.count < 16384)) candidates.at = new Int32Array(Math.max(256, t.count));
  }
  for (let i = 0; i < t.count; i++) {
    const fl = t.flags[i];
    const g = (fl & 16) === 0 ? 0 : index ? index.get(t.lower[i]) : lookupBits(gaz, t.lower[i]);
    t.gaz[i] = g;
    if (candidates && ((fl & 0xf) !== 0 || (g & (GAZ_NAME | GAZ_ADDRESS | GAZ_LEXICON)) !== 0)) candidates.at[candidates.count++] = i;
  }
}

/** Each template's seed, so hashing a feature is two multiplies. */
const SEEDS = Int32Array.from({ length: 33 }, (_, k) => Math.imul(k + 1, 0x9e3779b1));

function f(template: number, a: number, b: number): number {
  return mix(mix(SEEDS[template], a), b);
}

const BOS = 0x1234567;
const EOS = 0x7654321;

/** 1 when gazetteer bits `g` have `mask`. */
function has(g: number, mask: number): number {
  return (g & mask) !== 0 ? 1 : 0;
}

/** Writes the STATIC_FEATURES raw hashes of token `i` into `out` (masking happens at lookup). */
export function staticFeatures(t: Tokens, i: number, out: Int32Array): void {
  const n = t.count;
  const low = t.lower;
  const wPrev = i > 0 ? low[i - 1] : BOS;
  const wNext = i + 1 < n ? low[i + 1] : EOS;
  const wPrev2 = i > 1 ? low[i - 2] : BOS;
  const wNext2 = i + 2 < n ? low[i + 2] : EOS;
  const sPrev = i > 0 ? t.shape[i - 1] : BOS;
  const sNext = i + 1 < n ? t.shape[i + 1] : EOS;
  const shape = t.shape[i];
  const fl = t.flags[i];
  // Gazetteer bits of the token and its neighbours, read once (0 past either end).
  const g = t.gaz[i];
  const gPrev = i > 0 ? t.gaz[i - 1] : 0;
  const gNext = i + 1 < n ? t.gaz[i + 1] : 0;
  const flPrev = i > 0 ? t.flags[i - 1] : -1;
  const flNext = i + 1 < n ? t.flags[i + 1] : -1;
  let streetAhead = 0;
  for (let k = i + 1; k <= i + 4 && k < n; k++) if (t.gaz[k] & GAZ_STREET) streetAhead = k - i;
  let streetBehind = 0;
  for (let k = i - 1; k >= i - 4 && k >= 0; k--) if (t.gaz[k] & GAZ_STREET) streetBehind = i - k;
  out[0] = f(0, 0, 0);
  out[1] = f(1, low[i], 0);
  out[2] = f(2, wPrev, 0);
  out[3] = f(3, wNext, 0);
  out[4] = f(4, wPrev2, 0);
  out[5] = f(5, wNext2, 0);
  out[6] = f(6, shape, 0);
  out[7] = f(7, sPrev, shape);
  out[8] = f(8, shape, sNext);
  out[9] = f(9, t.pre2At(i), 0);
  out[10] = f(10, t.pre3[i], 0);
  out[11] = f(11, t.suf2At(i), 0);
  out[12] = f(12, t.suf3[i], 0);
  out[13] = f(13, fl & 0x3ff, 0);
  out[14] = f(14, flPrev & 0x1f, flNext & 0x1f);
  out[15] = f(15, has(g, GAZ_NAME), fl & 3);
  out[16] = f(16, has(gPrev, GAZ_NAME) * 2 + has(gNext, GAZ_NAME), fl & 3);
  out[17] = f(17, has(g, GAZ_ADDRESS), fl & 0xf);
  out[18] = f(18, streetAhead, shape);
  out[19] = f(19, streetBehind, shape);
  out[20] = f(20, wPrev, low[i]);
  out[21] = f(21, low[i], wNext);
  out[22] = f(22, fl & 256, shape);
  out[23] = f(23, wPrev, shape);
  out[24] = f(24, shape, wNext);
  out[25] = f(25, has(gPrev, GAZ_ADDRESS) * 2 + has(gNext, GAZ_ADDRESS), fl & 0xf);
  out[26] = f(26, has(g, GAZ_VOCAB) * 2 + has(g, GAZ_NAME), fl & 0x10f);
  out[27] = f(27, has(gPrev, GAZ_VOCAB) * 2 + has(gNext, GAZ_VOCAB), fl & 3);
  out[28] = f(28, has(g, GAZ_LEXICON) * 2 + has(g, GAZ_VOCAB), fl & 0x10f);
  out[29] = f(29, has(gPrev, GAZ_LEXICON) * 2 + has(gNext, GAZ_LEXICON), (fl & 3) + has(g, GAZ_LEXICON) * 4);
}

/** Features that depend on the tags already chosen to the left (greedy decoding). */
export function dynamicFeatures(t: Tokens, i: number, prev: number, prev2: number, out: Int32Array, offset: number): void {
  out[offset] = f(30, prev, 0);
  out[offset + 1] = f(31, prev, prev2);
  out[offset + 2] = f(32, prev, t.shape[i]);
}

export const ALL_FEATURES = STATIC_FEATURES + 3;

export function bucketOf(h: number, mask: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h & mask;
}
