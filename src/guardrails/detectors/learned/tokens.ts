/**
 * Tokenisation shared by the NAME/ADDRESS tagger, the classifiers' token features and their cue
 * features: word runs and single symbol characters, hashed numerically from char codes into
 * reusable typed arrays, so tokenising a 4 KB prompt allocates no per-token strings.
 */
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

export function lowerCode(c: number): number {
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
