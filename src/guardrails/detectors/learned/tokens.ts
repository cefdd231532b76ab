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

/** Tables longer than this many tokens (256 KB in all) are long-text tables (see `large`). */
const LARGE = 8192;

/**
 * Per-text token table, reused between calls; grown on demand. The two-character prefix and suffix
 * hashes, which only the tagger's few scored tokens read, are computed on request (pre2At, suf2At).
 */
export class Tokens {
  count = 0;
  /** The text tokenised last. */
  text = '';
  start = new Int32Array(256);
  end = new Int32Array(256);
  lower = new Int32Array(256);
  /** Hash of the token's character classes (each run once) and its length up to 6 (tagger). */
  shape = new Int32Array(256);
  /** Lower-case hashes of a word's first and last three characters (the whole word when shorter). */
  pre3 = new Int32Array(256);
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

  /** The tables are sized for a long text (more than 8,192 tokens). */
  get large(): boolean {
    return this.start.length > LARGE;
  }

  /** Drops long-text tables for small ones; the tokens are empty afterwards. */
  release(): void {
    this.count = 0;
    this.text = '';
    this.reset();
  }

  private reset(): void {
    this.start = new Int32Array(256); this.end = new Int32Array(256); this.lower = new Int32Array(256);
    this.shape = new Int32Array(256); this.pre3 = new Int32Array(256); this.suf3 = new Int32Array(256);
    this.flags = new Int32Array(256); this.gaz = new Int32Array(256);
  }

  private grow(): void {
    const n = this.start.length * 2;
    const g = (a: Int32Array): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.start = g(this.start); this.end = g(this.end); this.lower = g(this.lower);
    this.shape = g(this.shape); this.pre3 = g(this.pre3); this.suf3 = g(this.suf3); this.flags = g(this.flags); this.gaz = g(this.gaz);
  }

  /** Lower-case hash of the first two characters (the whole token when shorter). */
  pre2At(k: number): number {
    return this.affix(this.start[k], Math.min(this.end[k], this.start[k] + 2));
  }

  /** Lower-case hash of the last two characters (the whole token when shorter). */
  suf2At(k: number): number {
    return this.affix(Math.max(this.start[k], this.end[k] - 2), this.end[k]);
  }

  private affix(from: number, to: number): number {
    let h = SEED;
    for (let j = from; j < to; j++) h = mix(h, lowerCode(this.text.charCodeAt(j)));
    return h;
  }

  /**
   * Set by tokenize(): normalisation could change more than case and whitespace (see
   * linear.ts mayBeObfuscated): `unusual`, leet inside a word, a run of `$|!` between two letters
   * ("sh!t", "a$$"), or three single letters in a row ("i g n"). Found in the same pass, so ordinary
   * prose costs nothing more.
   */
  obfuscated = false;

  /**
   * Set by tokenize(): on ASCII text, true whenever normalize.ts's leet or spaced-letter hint
   * (`ANY_HINT_ANY_CASE`) would match, and on some texts where it would not: a word mixing letters
   * and digits, `$`, `!` or `|` touching a word, an '@' touching a word or before a letter unless
   * an e-mail domain follows, three single letters in a row (across `.-_*`). False means the word
   * filter's normalisation has nothing to undo, so it skips that pass (tokens.test.ts checks
   * the superset on random texts). Meaningless on non-ASCII text.
   */
  hint = false;

  /**
   * Word runs are tokens; every other non-space character is a token of its own.
   *
   * The per-character loop only classifies, lower-cases and hashes; the rare "leet inside a word"
   * check reads the word again once it ends, so the loop keeps few live values.
   */
  tokenize(text: string): void {
    this.count = 0;
    // A long text must not pin large tables for the life of the process (sixteen of these are
    // cached): past 8,192 tokens (256 KB of tables) they are dropped when a shorter text comes.
    if (this.start.length > LARGE && text.length < LARGE) this.reset();
    const n = text.length;
    let cap = this.start.length;
    let start = this.start, end = this.end, lowerOut = this.lower, flagsOut = this.flags;
    let shapeOut = this.shape, pre3Out = this.pre3, suf3Out = this.suf3;
    this.text = text;
    let count = 0;
    let unusual = false;
    let i = 0;
    let newline = true;
    let sentenceStart = true;
    // Obfuscation state: a leet symbol run touching a word on its left; single letters in a row.
    let obfuscated = false;
    let prevEnd = -1;
    let prevWord = false;
    let leetRun = false;
    let singles = 0;
    let hint = false;
    let hintSymbol = false;
    let hintSingles = 0;
    while (i < n) {
      const c = text.charCodeAt(i);
      const cc = c < 128 ? ASCII_CLASS[c] : classOf(c);
      if (c >= 128 && !unusual && !plainNonAscii(c)) unusual = true;
      if (cc === C_SPACE) {
        if (c === 10 || c === 13) {
          newline = true;
          sentenceStart = true;
        }
        i++;
        continue;
      }
      if (count === cap) {
        this.count = count;
        this.grow();
        cap = this.start.length;
        start = this.start; end = this.end; lowerOut = this.lower; flagsOut = this.flags;
        shapeOut = this.shape; pre3Out = this.pre3; suf3Out = this.suf3;
      }
      const k = count++;
      const s = i;
      let lower = SEED;
      let upper = 0;
      let digits = 0;
      let len = 1;
      let shape = SEED;
      let pre3: number, suf3: number;
      const word = cc !== C_OTHER;
      let leet = false;
      if (word) {
        let ch = c;
        let cls = cc;
        let lastClass = -1;
        // Any character >= 128 in a word marks the text unusual; OR-ing them is one operation.
        let high = 0;
        len = 0;
        for (;;) {
          if (cls === C_DIGIT) digits++;
          else if (cls === C_UPPER) {
            upper++;
            ch = ch < 128 ? ch | 32 : lowerCode(ch);
          }
          if (cls !== lastClass) {
            shape = mix(shape, cls);
            lastClass = cls;
          }
          high |= ch;
          lower = mix(lower, ch);
          len++;
          if (++i >= n) break;
          ch = text.charCodeAt(i);
          if (cls === C_LOWER) {
            // Fast path for a run of ASCII lower-case letters, the bulk of prose: the class, the
            // shape and the non-ASCII mark cannot change within it.
            while (ch >= 97 && ch <= 122) {
              lower = mix(lower, ch);
              len++;
              if (++i >= n) break;
              ch = text.charCodeAt(i);
            }
            if (i >= n) break;
          }
          cls = ch < 128 ? ASCII_CLASS[ch] : classOf(ch);
          if (cls === C_SPACE || cls === C_OTHER) break;
        }
        if (high >= 128) unusual = true;
        // Read back from the text rather than carried through the character loop.
        pre3 = len > 3 ? hash3(text, s) : lower;
        suf3 = len > 3 ? hash3(text, i - 3) : lower;
        // Digits and letters in one word: "h4ck" and "1gnore" are leet, "mp3" and "2nd" are not.
        if (digits > 0 && digits < len) leet = leetInside(text, s, i);
      } else {
        lower = mix(lower, c);
        shape = mix(shape, c);
        pre3 = suf3 = lower;
        i++;
      }
      const e = i;
      let flags = 0;
      if (word) {
        flags = 16;
        if (cc === C_UPPER && upper === 1) flags |= 1;
        if (upper === len && len > 1) flags |= 2;
        if (digits > 0) flags |= digits === len ? 12 : 4;
      }
      flags |= (len <= 2 ? len : len <= 4 ? 3 : len <= 6 ? 4 : len <= 9 ? 5 : 6) << 5;
      if (sentenceStart) flags |= 256;
      if (newline) flags |= 512;
      if (leet) flags |= 1024;
      start[k] = s;
      end[k] = e;
      lowerOut[k] = lower;
      shapeOut[k] = mix(shape, len < 6 ? len : 6);
      pre3Out[k] = pre3;
      suf3Out[k] = suf3;
      flagsOut[k] = flags;
      // Two state machines in one branch: `obfuscated` (the classifiers' normalisation check) and
      // `hint` (the word filter's, a superset of it; see `hint`). Every step that sets obfuscated
      // also sets hint, so once obfuscated is set neither needs tracking any more.
      if (!obfuscated) {
        const touching = prevEnd === s;
        if (word) {
          const single = len === 1 && digits === 0;
          if (leet || (leetRun && touching)) obfuscated = true;
          singles = single ? singles + 1 : 0;
          if (singles >= 3) obfuscated = true;
          leetRun = false;
          if ((digits > 0 && digits < len) || (touching && hintSymbol)) hint = true;
          hintSingles = single ? hintSingles + 1 : 0;
          if (hintSingles >= 3) hint = true;
          hintSymbol = false;
        } else {
          const leetSymbol = c === 36 || c === 124 || c === 33;
          leetRun = touching && (prevWord || leetRun) && leetSymbol;
          singles = 0;
          if (leetSymbol && touching && prevWord) hint = true;
          else if (c === 64 && !hint && !emailAfter(text, i)) {
            const nx = i < n ? text.charCodeAt(i) : 0;
            if ((touching && prevWord) || (nx < 128 && (ASCII_CLASS[nx] === C_UPPER || ASCII_CLASS[nx] === C_LOWER))) hint = true;
          }
          hintSymbol = leetSymbol;
          // Spaced letters stay a run across the separators `.-_*`.
          if (c !== 46 && c !== 45 && c !== 95 && c !== 42) hintSingles = 0;
        }
      }
      prevEnd = e;
      prevWord = word;
      newline = false;
      sentenceStart = !word && (c === 46 || c === 33 || c === 63);
    }
    this.count = count;
    this.unusual = unusual;
    this.obfuscated = obfuscated || unusual;
    this.hint = hint;
  }
}

/**
 * `[A-Za-z0-9@$!|]{0,254}\.[A-Za-z]` starts at `from`: what follows an '@' reads as an e-mail
 * domain (normalize.ts's leet hint does not count that '@').
 */
function emailAfter(text: string, from: number): boolean {
  const end = Math.min(text.length, from + 255);
  for (let j = from; j < end; j++) {
    const c = text.charCodeAt(j);
    if (c === 46) {
      const d = j + 1 < text.length ? text.charCodeAt(j + 1) | 32 : 0;
      return d >= 97 && d <= 122;
    }
    if (!((c >= 48 && c <= 57) || ((c | 32) >= 97 && (c | 32) <= 122) || c === 64 || c === 36 || c === 33 || c === 124)) return false;
  }
  return false;
}

/** Lower-case hash of text[j, j + 3): the classifiers' prefix and suffix of every longer word. */
function hash3(text: string, j: number): number {
  return mix(mix(mix(SEED, lc(text.charCodeAt(j))), lc(text.charCodeAt(j + 1))), lc(text.charCodeAt(j + 2)));
}

/** lowerCode with an ASCII table first: small enough to inline in the token loop. */
function lc(c: number): number {
  return c < 128 ? ASCII_LOWER[c] : lowerCode(c);
}

/**
 * Leet inside the word text[s, e) of letters and ASCII digits: a letter after a digit that follows
 * a letter ("h4ck"), or three letters after leading digits ("1gnore").
 */
function leetInside(text: string, s: number, e: number): boolean {
  let letters = 0;
  let digits = 0;
  let leadLetters = 0;
  let digitAfterLetter = false;
  for (let j = s; j < e; j++) {
    const ch = text.charCodeAt(j);
    if (ch >= 48 && ch <= 57) {
      digits++;
      if (letters > 0) digitAfterLetter = true;
    } else {
      if (digitAfterLetter) return true;
      if (digits > 0 && letters === leadLetters && ++leadLetters >= 3) return true;
      letters++;
    }
  }
  return false;
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

/** Table lookups for ASCII, which is nearly all of a typical prompt. */
const ASCII_CLASS = Uint8Array.from({ length: 128 }, (_, c) => classOf(c));
const ASCII_LOWER = Uint8Array.from({ length: 128 }, (_, c) => lowerCode(c));

// The tagger, the word filter and the cue features of the classifiers read the same tokens of the
// same text: a guardrail tokenises each text once. Sixteen entries: the PII detector runs after the
// classifiers have read every text of the call (and their normalised forms), so a conversation of
// up to ~14 messages is tokenised once (a longer one has its older turns tokenised twice).
const tokenCache: Array<{ text: string | null; tokens: Tokens }> = Array.from({ length: 16 }, () => ({ text: null, tokens: new Tokens() }));
let nextToken = 0;
/** The entry found or filled last: the detectors of a guardrail ask for the same text in a row. */
let lastEntry = tokenCache[0];

/** The shared tokens of `text` if it is one of the last texts tokenised, without tokenising it. */
export function peekTokens(text: string): Tokens | undefined {
  if (lastEntry.text === text) return lastEntry.tokens;
  for (const e of tokenCache) {
    if (e.text === text) {
      lastEntry = e;
      return e.tokens;
    }
  }
  return undefined;
}

/**
 * Tokens of `text`, shared; valid until the next call for another text (callers use them at once
 * and do not keep them). Callers must not modify them.
 */
export function sharedTokens(text: string): Tokens {
  const hit = peekTokens(text);
  if (hit !== undefined) return hit;
  const e = tokenCache[nextToken];
  nextToken = (nextToken + 1) % tokenCache.length;
  // Forgotten first: if tokenising throws, the entry must not claim its old text.
  e.text = null;
  lastEntry = e;
  e.tokens.tokenize(text);
  e.text = text;
  if (e.tokens.large) releaseLarge(e);
  return e.tokens;
}

/**
 * At most two entries keep tables for long texts (as many as the cache had when it held two
 * texts): sixteen 1 MB texts must not pin sixteen sets of tables. The others are emptied and
 * forgotten, so a later call for their text tokenises it again.
 */
function releaseLarge(keep: { text: string | null; tokens: Tokens }): void {
  let kept = 1;
  // Newest first: walking back from the entry just filled.
  for (let k = 1; k < tokenCache.length; k++) {
    const e = tokenCache[(nextToken - 1 - k + 2 * tokenCache.length) % tokenCache.length];
    if (e === keep || !e.tokens.large) continue;
    if (kept < 2) kept++;
    else {
      e.text = null;
      e.tokens.release();
    }
  }
}
