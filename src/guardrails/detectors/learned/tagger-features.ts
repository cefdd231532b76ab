/**
 * Tokenisation and features of the NAME/ADDRESS tagger. Everything is hashed numerically from char
 * codes into reusable typed arrays, so tagging a 4 KB prompt allocates no per-token strings.
 */

export const LABELS = ['O', 'B-NAME', 'I-NAME', 'B-ADDRESS', 'I-ADDRESS'] as const;
export const NUM_LABELS = LABELS.length;
export const STATIC_FEATURES = 30;

const PRIME = 0x01000193;
const SEED = 0x811c9dc5;

export function mix(h: number, c: number): number {
  return Math.imul(h ^ c, PRIME);
}

export function hashString(s: string): number {
  let h = SEED;
  for (let i = 0; i < s.length; i++) h = mix(h, lowerCode(s.charCodeAt(i)));
  return h;
}

function lowerCode(c: number): number {
  if (c >= 65 && c <= 90) return c + 32;
  if ((c >= 0xc0 && c <= 0xde && c !== 0xd7) || (c >= 0x410 && c <= 0x42f) || (c >= 0x391 && c <= 0x3a9)) return c + 32;
  return c;
}

function isUpper(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 0xc0 && c <= 0xde && c !== 0xd7) || (c >= 0x410 && c <= 0x42f) || (c >= 0x391 && c <= 0x3a9);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || (c >= 0x2000 && c <= 0x200b) || c === 0x3000 || c === 0xfeff;
}

/** Letters and digits, including non-ASCII letters; general punctuation and symbols are not. */
function isWordChar(c: number): boolean {
  if (c < 128) return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57);
  if (isSpace(c)) return false;
  if (c >= 0x2000 && c <= 0x206f) return false; // dashes, quotes, bullets
  if (c >= 0xa1 && c <= 0xbf) return false; // Latin-1 symbols
  return true;
}

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

/** Per-text token table, reused between calls; grown on demand. */
export class Tokens {
  count = 0;
  start = new Int32Array(256);
  end = new Int32Array(256);
  lower = new Int32Array(256);
  shape = new Int32Array(256);
  pre2 = new Int32Array(256);
  pre3 = new Int32Array(256);
  suf2 = new Int32Array(256);
  suf3 = new Int32Array(256);
  /**
   * bit0 title, bit1 all upper, bit2 has digit, bit3 all digits, bit4 word, bits5-7 length bucket,
   * bit8 sentence start, bit9 newline before, bit10 leet inside the word ("h4ck", "1gnore"; not a
   * tagger feature, read by the classifiers' normalisation check).
   */
  flags = new Int32Array(256);
  /**
   * The text has a non-ASCII character other than typographic quotes, dashes, the ellipsis and
   * ordinary spaces: homoglyphs, invisibles or compatibility forms the normaliser may undo.
   */
  unusual = false;
  /** GAZ_* bits, filled by annotate(). */
  gaz = new Int32Array(256);

  private reset(): void {
    this.start = new Int32Array(256); this.end = new Int32Array(256); this.lower = new Int32Array(256); this.shape = new Int32Array(256);
    this.pre2 = new Int32Array(256); this.pre3 = new Int32Array(256); this.suf2 = new Int32Array(256); this.suf3 = new Int32Array(256);
    this.flags = new Int32Array(256); this.gaz = new Int32Array(256);
  }

  private grow(): void {
    const n = this.start.length * 2;
    const g = (a: Int32Array): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.start = g(this.start); this.end = g(this.end); this.lower = g(this.lower); this.shape = g(this.shape);
    this.pre2 = g(this.pre2); this.pre3 = g(this.pre3); this.suf2 = g(this.suf2); this.suf3 = g(this.suf3); this.flags = g(this.flags); this.gaz = g(this.gaz);
  }

  /** Word runs are tokens; every other non-space character is a token of its own. */
  tokenize(text: string): void {
    this.count = 0;
    this.unusual = false;
    // A huge text must not pin large tables for the life of the process.
    if (this.start.length > 65536 && text.length < 65536) this.reset();
    const n = text.length;
    let i = 0;
    let newline = true;
    let sentenceStart = true;
    while (i < n) {
      const c = text.charCodeAt(i);
      const cc = c < 128 ? ASCII_CLASS[c] : classOf(c);
      if (c >= 128 && !this.unusual && !plainNonAscii(c)) this.unusual = true;
      if (cc === C_SPACE) {
        if (c === 10 || c === 13) {
          newline = true;
          sentenceStart = true;
        }
        i++;
        continue;
      }
      if (this.count === this.start.length) this.grow();
      const k = this.count++;
      const s = i;
      let lower = SEED;
      let shape = SEED;
      let lastClass = -1;
      let upper = 0;
      let digits = 0;
      let len = 0;
      // The prefix hashes are the lower-case hash after two and three characters (same seed).
      let pre2 = SEED, pre3 = SEED;
      const word = cc !== C_OTHER;
      let leet = false;
      if (word) {
        let ch = c;
        let cls = cc;
        // Digit after a letter, waiting for a letter after it ("h4ck"); leading digits then three
        // letters ("1gnore"). "mp3", "COVID19", "2nd" and "10am" are not leet.
        let letters = 0;
        let digitAfterLetter = false;
        let leadLetters = 0;
        for (;;) {
          if (cls === C_DIGIT) {
            digits++;
            if (letters > 0) digitAfterLetter = true;
          } else {
            if (ch >= 128) this.unusual = true;
            if (digitAfterLetter) leet = true;
            if (digits > 0 && letters === leadLetters && ++leadLetters >= 3) leet = true;
            letters++;
            if (cls === C_UPPER) upper++;
          }
          if (cls !== lastClass) shape = mix(shape, cls);
          lastClass = cls;
          lower = mix(lower, cls === C_UPPER ? lowerCode(ch) : ch);
          len++;
          if (len === 2) pre2 = lower;
          else if (len === 3) pre3 = lower;
          if (++i >= n) break;
          ch = text.charCodeAt(i);
          cls = ch < 128 ? ASCII_CLASS[ch] : classOf(ch);
          if (cls === C_SPACE || cls === C_OTHER) break;
        }
        if (len < 2) pre2 = lower;
        if (len < 3) pre3 = lower;
      } else {
        lower = mix(lower, c);
        shape = mix(shape, c);
        pre2 = pre3 = lower;
        i++;
        len = 1;
      }
      const e = i;
      let suf2 = SEED, suf3 = SEED;
      for (let j = e - 3 > s ? e - 3 : s; j < e; j++) {
        const lc = lowerCode(text.charCodeAt(j));
        if (j >= e - 2) suf2 = mix(suf2, lc);
        suf3 = mix(suf3, lc);
      }
      let flags = 0;
      if (word && cc === C_UPPER && upper === 1) flags |= 1;
      if (word && upper === len && len > 1) flags |= 2;
      if (digits > 0) flags |= 4;
      if (digits === len && word) flags |= 8;
      if (word) flags |= 16;
      flags |= (len <= 2 ? len : len <= 4 ? 3 : len <= 6 ? 4 : len <= 9 ? 5 : 6) << 5;
      if (sentenceStart) flags |= 256;
      if (newline) flags |= 512;
      if (leet) flags |= 1024;
      this.start[k] = s;
      this.end[k] = e;
      this.lower[k] = lower;
      this.shape[k] = mix(shape, len < 6 ? len : 6);
      this.pre2[k] = pre2;
      this.pre3[k] = pre3;
      this.suf2[k] = suf2;
      this.suf3[k] = suf3;
      this.flags[k] = flags;
      newline = false;
      sentenceStart = !word && (c === 46 || c === 33 || c === 63);
    }
  }
}

// Character classes for tokenisation; the values 1-3 are also the shape classes hashed into `shape`.
const C_DIGIT = 1;
const C_UPPER = 2;
const C_LOWER = 3;
const C_SPACE = 4;
const C_OTHER = 0;

function classOf(c: number): number {
  if (isSpace(c)) return C_SPACE;
  if (!isWordChar(c)) return C_OTHER;
  return isDigit(c) ? C_DIGIT : isUpper(c) ? C_UPPER : C_LOWER;
}

/** Non-ASCII characters the normaliser leaves alone in effect: typographic punctuation and spaces. */
function plainNonAscii(c: number): boolean {
  return (c >= 0x2010 && c <= 0x201f) || c === 0x2026 || c === 0xa0 || (c >= 0x2000 && c <= 0x200a) || c === 0x3000;
}

/** Table lookup for ASCII, which is nearly all of a typical prompt. */
const ASCII_CLASS = Uint8Array.from({ length: 128 }, (_, c) => classOf(c));

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

/** Looks every token up once; features then test bits. */
export function annotate(t: Tokens, gaz: Gazetteers): void {
  let index = indexes.get(gaz);
  if (!index && 'words' in gaz) {
    index = new GazIndex(gaz, [...(gaz as EnumerableGazetteers).words, ...STREET_WORDS.map(hashString)]);
    indexes.set(gaz, index);
  }
  for (let i = 0; i < t.count; i++) {
    t.gaz[i] = (t.flags[i] & 16) === 0 ? 0 : index ? index.get(t.lower[i]) : lookupBits(gaz, t.lower[i]);
  }
}

function f(template: number, a: number, b = 0): number {
  return mix(mix(Math.imul(template + 1, 0x9e3779b1), a), b);
}

const BOS = 0x1234567;
const EOS = 0x7654321;

/** Writes the STATIC_FEATURES raw hashes of token `i` into `out` (masking happens at lookup). */
function bit(t: Tokens, k: number, mask: number): number {
  return k >= 0 && k < t.count && (t.gaz[k] & mask) !== 0 ? 1 : 0;
}

export function staticFeatures(t: Tokens, i: number, out: Int32Array): void {
  const n = t.count;
  const low = t.lower;
  const wPrev = i > 0 ? low[i - 1] : BOS;
  const wNext = i + 1 < n ? low[i + 1] : EOS;
  const wPrev2 = i > 1 ? low[i - 2] : BOS;
  const wNext2 = i + 2 < n ? low[i + 2] : EOS;
  const sPrev = i > 0 ? t.shape[i - 1] : BOS;
  const sNext = i + 1 < n ? t.shape[i + 1] : EOS;
  const fl = t.flags[i];
  const flPrev = i > 0 ? t.flags[i - 1] : -1;
  const flNext = i + 1 < n ? t.flags[i + 1] : -1;
  let streetAhead = 0;
  for (let k = i + 1; k <= i + 4 && k < n; k++) if (t.gaz[k] & GAZ_STREET) streetAhead = k - i;
  let streetBehind = 0;
  for (let k = i - 1; k >= i - 4 && k >= 0; k--) if (t.gaz[k] & GAZ_STREET) streetBehind = i - k;
  out[0] = f(0, 0);
  out[1] = f(1, low[i]);
  out[2] = f(2, wPrev);
  out[3] = f(3, wNext);
  out[4] = f(4, wPrev2);
  out[5] = f(5, wNext2);
  out[6] = f(6, t.shape[i]);
  out[7] = f(7, sPrev, t.shape[i]);
  out[8] = f(8, t.shape[i], sNext);
  out[9] = f(9, t.pre2[i]);
  out[10] = f(10, t.pre3[i]);
  out[11] = f(11, t.suf2[i]);
  out[12] = f(12, t.suf3[i]);
  out[13] = f(13, fl & 0x3ff);
  out[14] = f(14, flPrev & 0x1f, flNext & 0x1f);
  out[15] = f(15, bit(t, i, GAZ_NAME), fl & 3);
  out[16] = f(16, bit(t, i - 1, GAZ_NAME) * 2 + bit(t, i + 1, GAZ_NAME), fl & 3);
  out[17] = f(17, bit(t, i, GAZ_ADDRESS), fl & 0xf);
  out[18] = f(18, streetAhead, t.shape[i]);
  out[19] = f(19, streetBehind, t.shape[i]);
  out[20] = f(20, wPrev, low[i]);
  out[21] = f(21, low[i], wNext);
  out[22] = f(22, fl & 256, t.shape[i]);
  out[23] = f(23, wPrev, t.shape[i]);
  out[24] = f(24, t.shape[i], wNext);
  out[25] = f(25, bit(t, i - 1, GAZ_ADDRESS) * 2 + bit(t, i + 1, GAZ_ADDRESS), fl & 0xf);
  out[26] = f(26, bit(t, i, GAZ_VOCAB) * 2 + bit(t, i, GAZ_NAME), fl & 0x10f);
  out[27] = f(27, bit(t, i - 1, GAZ_VOCAB) * 2 + bit(t, i + 1, GAZ_VOCAB), fl & 3);
  out[28] = f(28, bit(t, i, GAZ_LEXICON) * 2 + bit(t, i, GAZ_VOCAB), fl & 0x10f);
  out[29] = f(29, bit(t, i - 1, GAZ_LEXICON) * 2 + bit(t, i + 1, GAZ_LEXICON), (fl & 3) + bit(t, i, GAZ_LEXICON) * 4);
}

/** Features that depend on the tags already chosen to the left (greedy decoding). */
export function dynamicFeatures(t: Tokens, i: number, prev: number, prev2: number, out: Int32Array, offset: number): void {
  out[offset] = f(30, prev);
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

// The tagger and the cue features of the classifiers read the same tokens of the same text: a
// guardrail tokenises each text once. Two entries (the text and its normalised form).
const tokenCache: Array<{ text: string | null; tokens: Tokens }> = [
  { text: null, tokens: new Tokens() },
  { text: null, tokens: new Tokens() },
];
let nextToken = 0;

/** Tokens of `text`, shared; valid until two other texts are tokenised. Callers must not modify them. */
export function sharedTokens(text: string): Tokens {
  for (const e of tokenCache) if (e.text === text) return e.tokens;
  const e = tokenCache[nextToken];
  nextToken = (nextToken + 1) % tokenCache.length;
  e.tokens.tokenize(text);
  e.text = text;
  return e.tokens;
}
