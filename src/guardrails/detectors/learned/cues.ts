/**
 * Dense cue features for the prompt-attack and harmful-intent classifiers: reviewed word-class
 * patterns (cue-lexicon.ts) and character statistics of adversarial suffixes. The n-gram features
 * memorise each source's wording; these say what an attack does in words any source uses, so the
 * model transfers to sources it has not seen (measured with leave-one-source-out CV). Their weights
 * are learned with the n-gram weights in the same logistic model.
 *
 * Computed from the tokens the NAME/ADDRESS tagger also reads (one tokenisation per text), and
 * cached for the last two texts, since a guardrail's classifiers score the same text (and its
 * normalised form) in a row.
 */
import { CUE_WORDS, W, W2 } from './cue-lexicon.js';
import { hashString, sharedTokens, type Tokens } from './tokens.js';
import type { WordTable } from './vocabulary.js';

export type CueSet = 'prompt-attack' | 'harmful-intent';

export const CUE_NAMES: Record<CueSet, readonly string[]> = {
  'prompt-attack': [
    'override_object', 'prior_instructions', 'you_are', 'you_are_now', 'act_as', 'jailbreak_words', 'no_restrictions',
    'special_mode', 'extract_prompt', 'new_task', 'delimiter', 'stop_then_say', 'stay_in_role', 'framing', 'ethics_talk',
    'symbol_ratio', 'odd_token_ratio', 'class_transitions', 'odd_token_run', 'odd_token_window', 'harmful_request',
    'harmful_writing', 'task_switch', 'persona', 'output_only', 'despite_told', 'unknown_burst', 'gibberish_window', 'suffix_gibberish',
    'code_words', 'code_syntax',
  ],
  'harmful-intent': [
    'harm_words', 'harm_request', 'tech_context', 'figurative_context', 'safe_object', 'violent_person',
    'violent_safe_object', 'write_bad', 'first_person_how', 'what_why_question', 'harm_with_tech', 'harm_with_figurative',
    'group_rights',
  ],
};

/** Positions (word index) of the last word of each class, for "A then B within k words". */
const last = new Int32Array(32);

interface Stats {
  nonSpace: number;
  symbols: number;
  oddTokens: number;
  /** Whitespace-delimited chunks. */
  tokens: number;
  transitions: number;
  maxOddRun: number;
  /** Most odd chunks among any ODD_WINDOW consecutive chunks (symbol-only chunks count half). */
  maxOddWindow: number;
  /** Chunks with a word the common-word table lacks (vocabulary.ts), and the most in any window. */
  unknownChunks: number;
  maxUnknownWindow: number;
  /** Most chunks in any window that are odd or have an unknown word (which counts half here). */
  maxGibberishWindow: number;
  /** Chunks that are odd or have an unknown word, among the first and among the last ODD_WINDOW. */
  headSuffix: number;
  tailSuffix: number;
}

const ODD_WINDOW = 8;
const ring = new Float64Array(ODD_WINDOW);
const unknownRing = new Float64Array(ODD_WINDOW);
const gibberishRing = new Float64Array(ODD_WINDOW);
const suffixRing = new Float64Array(ODD_WINDOW);
const WINDOW_MASK = ODD_WINDOW - 1;

function near(cls: number, pos: number, k: number): boolean {
  const b = 31 - Math.clz32(cls);
  return pos - last[b] <= k;
}

function classIndex(bit: number): number {
  return 31 - Math.clz32(bit);
}

/** Pattern hits: prompt-attack cues at 0-14 and 26-29, harmful-intent cues at 16-24. */
const hits = new Float64Array(32);

/**
 * Reads the shared tokens (tagger-features.ts: word runs and single symbol characters, with
 * lower-cased word hashes) rather than the characters again. A whitespace-delimited chunk is a
 * run of tokens that touch; an adversarial suffix is a run of chunks mixing words and symbols.
 */
function scan(text: string, t: Tokens, st: Stats, vocab: WordTable | null): void {
  last.fill(-1000);
  symbolSeen.fill(0);
  gateCount = 0;
  codeWords = codeSyntax = 0;
  fences = 0;
  hits.fill(0);
  groupPos = groupAdjPos = rightsPos = -1000;
  last2.fill(-1000);
  let pos = 0;
  let chunkLetters = 0, chunkSymbols = 0, chunkTransitions = 0, oddRun = 0;
  let prevWord = -1;
  ring.fill(0);
  unknownRing.fill(0);
  gibberishRing.fill(0);
  suffixRing.fill(0);
  let ringSum = 0, unknownSum = 0, gibberishSum = 0, suffixSum = 0;
  let ringAt = 0;
  let chunkUnknown = 0;
  for (let k = 0; k <= t.count; k++) {
    const touching = k < t.count && k > 0 && t.start[k] === t.end[k - 1];
    if (!touching && chunkLetters + chunkSymbols > 0) {
      st.tokens++;
      st.transitions += chunkTransitions;
      let odd = 0;
      if (chunkSymbols > 0 && chunkLetters > 0 && (chunkTransitions >= 3 || chunkSymbols >= 2)) {
        odd = 1;
        st.oddTokens++;
        if (++oddRun > st.maxOddRun) st.maxOddRun = oddRun;
      } else {
        oddRun = 0;
        if (chunkLetters === 0 && chunkSymbols >= 2) odd = 0.5; // "??", "-->", "]$."
      }
      ringSum += odd - ring[ringAt];
      ring[ringAt] = odd;
      // Unknown words: a run of them alone may be a language or slang the table lacks, so the
      // gibberish window counts them half; with symbol fragments around them it is a suffix.
      st.unknownChunks += chunkUnknown;
      unknownSum += chunkUnknown - unknownRing[ringAt];
      unknownRing[ringAt] = chunkUnknown;
      const gibberish = Math.max(odd, chunkUnknown * 0.5);
      gibberishSum += gibberish - gibberishRing[ringAt];
      gibberishRing[ringAt] = gibberish;
      const suffix = Math.max(odd, chunkUnknown);
      suffixSum += suffix - suffixRing[ringAt];
      suffixRing[ringAt] = suffix;
      ringAt = (ringAt + 1) & WINDOW_MASK;
      if (ringSum > st.maxOddWindow) st.maxOddWindow = ringSum;
      if (unknownSum > st.maxUnknownWindow) st.maxUnknownWindow = unknownSum;
      if (gibberishSum > st.maxGibberishWindow) st.maxGibberishWindow = gibberishSum;
      if (st.tokens === ODD_WINDOW) st.headSuffix = suffixSum;
      chunkLetters = chunkSymbols = chunkTransitions = chunkUnknown = 0;
      prevWord = -1;
    }
    if (k === t.count) break;
    const fl = t.flags[k];
    const len = t.end[k] - t.start[k];
    st.nonSpace += len;
    const word = (fl & 16) !== 0 ? 1 : 0;
    if (word) {
      chunkLetters += len;
      // Letters and digits mixed in one word ("x86", "correctedilde9") count as a transition.
      if ((fl & 4) !== 0 && (fl & 8) === 0) chunkTransitions++;
      // A word no benign text uses: lower or mixed case (a capitalised or all-capital unknown is
      // mostly a name or an acronym), not a number, not a handle or hashtag ("@user", "#tbt").
      if (vocab !== null && (fl & 11) === 0 && !vocab.has(t.lower[k]) && !afterTag(text, t, k)) chunkUnknown = 1;
      endWord(t.lower[k], pos++);
    } else {
      st.symbols++;
      chunkSymbols++;
      const c = text.charCodeAt(t.start[k]);
      if (c < 128) {
        const lineEnd = k + 1 < t.count && (t.flags[k + 1] & 512) !== 0;
        if (lineEnd && (IS_LINE_END[c] === 1 || (IS_OPEN_END[c] === 1 && indented(text, t.start[k + 1])))) codeSyntax++;
        else if (c === 58 && k > 0 && t.end[k - 1] === t.start[k] && isQuote(text.charCodeAt(t.start[k - 1]))) codeSyntax++;
        else if (c === 96 && (t.flags[k] & 512) !== 0 && fences < 2 && fence(text, t, k)) {
          // A fenced block counts two points, once per text however many blocks it has.
          fences++;
          codeSyntax++;
        }
        else if ((c === 47 || c === 35) && (t.flags[k] & 512) !== 0 && k + 1 < t.count && t.end[k] === t.start[k + 1]) {
          // A line that opens a comment (`//`, `/*`) or a preprocessor directive (`#include`).
          const next = text.charCodeAt(t.start[k + 1]);
          if (c === 47 ? next === 47 || next === 42 : PREPROCESSOR.has(t.lower[k + 1])) codeSyntax++;
        }
        symbolSeen[c] = 1;
        if (IS_GATE[c] === 1) {
          if (gateCount < gateAt.length) gateAt[gateCount] = t.start[k];
          gateCount++;
        }
      }
    }
    if (prevWord >= 0 && prevWord !== word) chunkTransitions++;
    prevWord = word;
  }
  if (st.tokens < ODD_WINDOW) st.headSuffix = suffixSum;
  st.tailSuffix = suffixSum;
}

/**
 * Program text: code keywords (W2.CODE) and code syntax, i.e. a line that ends in `;`, `{` or `}`
 * with another line after it, or in `,`, `(` or `[` with an indented line after it, a line that
 * opens a comment (`//`, `/*`) or a preprocessor directive (`#include`), a Markdown code fence
 * (a line starting with three backticks), and a key of a JSON object or Python dict (`"name":`,
 * `'name':`). Code is as dense in mixed
 * letter-and-symbol chunks as an adversarial suffix, but a suffix has neither keywords nor line
 * structure. (Lines ending in `:`, `)` or `):`, or in `,` before an unindented line, do not
 * count: prose and jailbreak templates end lines that way too.)
 */
let codeWords = 0;
let codeSyntax = 0;
let fences = 0;
/** The distinct code words seen in this text (a repeated keyword counts once). */
const codeSeen = new Int32Array(4);

function countCodeWord(h: number): void {
  for (let i = 0; i < codeWords && i < codeSeen.length; i++) if (codeSeen[i] === h) return;
  if (codeWords < codeSeen.length) codeSeen[codeWords] = h;
  codeWords++;
}
/** odd_token_run, odd_token_window, unknown_burst, gibberish_window, suffix_gibberish: they fade in code. */
const SUFFIX_CUES = [18, 19, 26, 27, 28];
const PREPROCESSOR = new Set(['include', 'define', 'undef', 'pragma', 'ifdef', 'ifndef', 'endif', 'elif'].map(hashString));
const IS_LINE_END = new Uint8Array(128);
for (const ch of ';{}') IS_LINE_END[ch.charCodeAt(0)] = 1;
/** `,`, `(` and `[` end a code line when the next line is indented (a continued call or literal). */
const IS_OPEN_END = new Uint8Array(128);
for (const ch of ',([') IS_OPEN_END[ch.charCodeAt(0)] = 1;
const isQuote = (c: number): boolean => c === 34 || c === 39;

/** Token k starts a line with three backticks: a Markdown code fence (opening or closing). */
function fence(text: string, t: Tokens, k: number): boolean {
  return k + 2 < t.count && t.start[k + 1] === t.end[k] && t.start[k + 2] === t.end[k + 1] && text.charCodeAt(t.start[k + 1]) === 96 && text.charCodeAt(t.start[k + 2]) === 96;
}

/** The line that holds `at` starts with a space or a tab. */
function indented(text: string, at: number): boolean {
  const c = text.charCodeAt(at - 1);
  return c === 32 || c === 9;
}

/** The word touches a '@' or '#' on its left. */
function afterTag(text: string, t: Tokens, k: number): boolean {
  if (k === 0 || t.end[k - 1] !== t.start[k]) return false;
  const c = text.charCodeAt(t.start[k - 1]);
  return c === 64 || c === 35;
}

/** Word positions of the last protected group ("Muslims", "Asian people") and the last right. */
let groupPos = -1000;
let groupAdjPos = -1000;
let rightsPos = -1000;

function endWord(h: number, pos: number): void {
  const bits = CUE_WORDS.get(h);
  const bits2 = CUE_WORDS.bank2;
  if (pos < 3) startBits |= bits;
  if ((bits2 & W2.CODE) !== 0) countCodeWord(h);
  if (bits2 !== 0) groupCue(bits2, pos);
  if ((bits | bits2) !== 0) secondBank(bits, bits2, pos);
  if (bits === 0) return;
  // prompt attack
  if (bits & W.OBJ && near(W.OVR, pos, 4)) hits[0] = 1;
  if (bits & W.OVR && near(W.OBJ, pos, 2) && near(W.PRIOR, pos, 3)) hits[0] = 1; // "die obigen Ausführungen ignorieren"
  if (bits & W.INSTR && near(W.PRIOR, pos, 2)) hits[1] = 1;
  if (bits & W.ARE && near(W.YOU, pos, 1)) hits[2] = 1;
  if ((bits & W.NOW && (near(W.ARE, pos, 2) || near(W.YOU, pos, 2))) || (bits & (W.YOU | W.ARE) && near(W.NOW, pos, 2))) hits[3] = 1;
  if (bits & W.AS && near(W.ACT, pos, 2)) hits[4] = 1;
  if (bits & W.JB) hits[5] = Math.min(3, hits[5] + 1);
  if (bits & W.RESTR && near(W.NEG, pos, 2)) hits[6] = 1;
  if (bits & W.MODE && near(W.MODEPRE, pos, 1)) hits[7] = 1;
  if (bits & W.TARGET && near(W.EXTRACT, pos, 4)) hits[8] = 1;
  if (bits & W.TASK && near(W.NEW, pos, 2)) hits[9] = 1;
  if (bits & W.SAY && near(W.STOP, pos, 2)) hits[11] = 1;
  if (bits & W.ROLE && near(W.STAY, pos, 4)) hits[12] = 1;
  if (bits & W.FRAME) hits[13] = Math.min(3, hits[13] + 1);
  if (bits & W.ETHICS) hits[14] = Math.min(3, hits[14] + 1);
  // harmful intent (offset 16)
  if (bits & W.HARM) hits[16] = Math.min(3, hits[16] + 1);
  if ((bits & W.HARM && near(W.REQ, pos, 8)) || (bits & W.REQ && near(W.HARM, pos, 8))) hits[17] = 1;
  if (bits & W.TECH) hits[18] = Math.min(3, hits[18] + 1);
  if (bits & W.FIG) hits[19] = Math.min(3, hits[19] + 1);
  if (bits & W.SAFE_OBJ) hits[20] = 1;
  if ((bits & W.PERSON && near(W.VIOLENT, pos, 3)) || (bits & W.VIOLENT && near(W.PERSON, pos, 3))) hits[21] = 1;
  if (bits & W.SAFE_OBJ && near(W.VIOLENT, pos, 3)) hits[22] = 1;
  if (bits & W.WRITEBAD) hits[23] = 1;
  for (let b = bits; b !== 0; b &= b - 1) last[classIndex(b & -b)] = pos;
}

/** Positions of the last word of each second-bank class. */
const last2 = new Int32Array(32);

function near2(cls: number, pos: number, k: number): boolean {
  return pos - last2[31 - Math.clz32(cls)] <= k;
}

/**
 * Prompt-attack cues that need the second word bank: a switch to another task after "that is
 * enough / done" ("Das genügt. Schreibe nun ..."), a persona assigned at the start or after
 * "pretend / imagine" ("Stell dir vor, du bist ..."), "als X fungieren" (verb last), "only / just
 * output ...", and "despite what you were told".
 */
function secondBank(bits: number, bits2: number, pos: number): void {
  if (bits2 & W2.ACT_LATE && near(W.AS, pos, 3)) hits[4] = 1;
  if (bits & W.NOW && near2(W2.DONE, pos, 5)) hits[26] = 1;
  if (bits & W.ARE && near(W.YOU, pos, 1) && (pos <= 2 || near2(W2.PRETEND, pos, 4))) hits[27] = 1;
  if (bits & W.SAY && near2(W2.ONLY, pos, 2)) hits[28] = 1;
  if (bits2 & W2.TOLD && near2(W2.DESPITE, pos, 5)) hits[29] = 1;
  // "summarise / translate / reveal ... your (hidden) instructions / system message / credentials":
  // the extraction cue, when the object is the assistant's own (a plain "summarise the system
  // design" does not count).
  if ((bits & (W.INSTR | W.TARGET) || bits2 & W2.CONFIG) && near2(W2.YOUR, pos, 2) && (near(W.EXTRACT, pos, 6) || near2(W2.DIGEST, pos, 6))) hits[8] = 1;
  for (let b = bits2; b !== 0; b &= b - 1) last2[classIndex(b & -b)] = pos;
}

/**
 * "Why should Muslims not be given visas": a protected group and a right within ten words. A group
 * adjective counts only before "people"/"men"/"women" ("Asian pears", "black olives" do not).
 */
function groupCue(bits2: number, pos: number): void {
  const isGroup = (bits2 & W2.GROUP) !== 0 || ((bits2 & W2.PEOPLE) !== 0 && groupAdjPos === pos - 1);
  if (isGroup) {
    groupPos = pos;
    if (pos - rightsPos <= 10) hits[24] = 1;
  }
  if ((bits2 & W2.GROUP_ADJ) !== 0) groupAdjPos = pos;
  if ((bits2 & W2.RIGHTS) !== 0) {
    rightsPos = pos;
    if (pos - groupPos <= 10) hits[24] = 1;
  }
}

/** Class bits of the first three words: "how do I ..." requests, "what is / why did" questions. */
let startBits = 0;

const DELIMITERS = ['###', '<|', '|>', '[inst]', '[/inst]', '<<sys>>', '<</sys>>', 'system:', '[system', '<system', '</s>', '<s>', '---', '```'];
/**
 * Each delimiter with the symbol it cannot occur without (its first non-letter), so a text whose
 * tokens lack that symbol skips the search; case only matters for "[INST]"-like tags, whose
 * upper-case forms are built once here.
 */
const DELIMITER_FORMS = DELIMITERS.map((d) => {
  const at = d.search(/[^a-z]/);
  return { gate: d.charCodeAt(at), at, forms: d.charCodeAt(1) === 105 ? [d, d.toUpperCase()] : [d] };
});
const IS_GATE = new Uint8Array(128);
for (const { gate } of DELIMITER_FORMS) IS_GATE[gate] = 1;
/** ASCII symbols seen as tokens of the text being scanned. */
const symbolSeen = new Uint8Array(128);
/**
 * Offsets of the gate symbols in the text being scanned (every occurrence is a token of its own),
 * so a delimiter is looked for only where its gate symbol stands; past this many, a whole-text
 * search instead.
 */
const gateAt = new Int32Array(256);
let gateCount = 0;

function delimiterScore(text: string): number {
  let k = 0;
  for (const { gate, at, forms } of DELIMITER_FORMS) {
    if (symbolSeen[gate] === 0) continue;
    if (gateCount > gateAt.length) {
      // indexOf is native and fast; the delimiters are ASCII.
      if (text.indexOf(forms[0]) >= 0 || (forms.length > 1 && text.indexOf(forms[1]) >= 0)) k++;
      continue;
    }
    for (let j = 0; j < gateCount; j++) {
      const p = gateAt[j];
      if (text.charCodeAt(p) !== gate || p < at) continue;
      if (text.startsWith(forms[0], p - at) || (forms.length > 1 && text.startsWith(forms[1], p - at))) {
        k++;
        break;
      }
    }
  }
  return Math.min(3, k);
}

interface Slot {
  text: string | null;
  /** The word table the prompt-attack features were computed with (harmful intent reads none). */
  vocab: WordTable | null;
  out: Record<CueSet, Float32Array>;
}
const newSlot = (): Slot => ({ text: null, vocab: null, out: { 'prompt-attack': new Float32Array(32), 'harmful-intent': new Float32Array(32) } });
const slots: Slot[] = [newSlot(), newSlot()];
let nextSlot = 0;
/** The common-word table of the last prompt-attack call (one per loaded model; null before any). */
let lastVocab: WordTable | null = null;

function clamp01(x: number): number {
  return x <= 0 ? 0 : x >= 1 ? 1 : x;
}

/**
 * The dense cue features of `text` for `set`, in CUE_NAMES order. One scan fills both sets, so
 * the prompt-attack and harmful-intent classifiers share it. `vocab` is the prompt-attack model's
 * common-word table (without one, the unknown-word features are 0). Valid until two other texts.
 */
export function cueFeatures(text: string, set: CueSet, vocab: WordTable | null = null): Float32Array {
  if (vocab !== null) lastVocab = vocab;
  for (const s of slots) if (s.text === text && (set === 'harmful-intent' || s.vocab === vocab)) return s.out[set];
  const slot = slots[nextSlot];
  nextSlot = (nextSlot + 1) % slots.length;
  // The harmful-intent features do not read the word table, but the prompt-attack ones that the
  // same scan fills do: scanning with the last table seen lets a prompt-attack classifier that
  // scores the text after harmful intent (the order of Bedrock's filter list) reuse this scan.
  const used = set === 'harmful-intent' ? lastVocab : vocab;
  const st: Stats = { nonSpace: 0, symbols: 0, oddTokens: 0, tokens: 0, transitions: 0, maxOddRun: 0, maxOddWindow: 0, unknownChunks: 0, maxUnknownWindow: 0, maxGibberishWindow: 0, headSuffix: 0, tailSuffix: 0 };
  startBits = 0;
  scan(text, sharedTokens(text), st, used);
  const pa = slot.out['prompt-attack'];
  pa.fill(0);
  for (let k = 0; k < 15; k++) pa[k] = hits[k] / (k === 5 || k === 13 || k === 14 ? 3 : 1);
  pa[10] = delimiterScore(text) / 3;
  const ns = Math.max(1, st.nonSpace);
  const tk = Math.max(1, st.tokens);
  // Offsets keep ordinary punctuation, tweets' @mentions and URLs near zero: only the dense
  // symbol soup of an adversarial suffix (GCG, random search) gets far above them.
  pa[15] = clamp01((st.symbols / ns - 0.15) * 4);
  pa[16] = clamp01((st.oddTokens / tk - 0.2) * 2);
  pa[17] = clamp01((st.transitions / ns - 0.1) * 5);
  pa[18] = clamp01((st.maxOddRun - 2) / 6);
  pa[19] = clamp01((st.maxOddWindow - 2) / 3);
  // A plain harmful request is what a GCG or random-search suffix is attached to.
  pa[20] = hits[17];
  pa[21] = hits[23];
  for (let k = 0; k < 4; k++) pa[22 + k] = hits[26 + k];
  // Adversarial-suffix cues from the common-word table (0 without one). A burst: more chunks with
  // unknown words in one window than the text's own rate predicts (a tweet full of slang or a text
  // in a language the table lacks has a high rate throughout). A suffix: the text ends in
  // gibberish it does not start with.
  const unknownRate = st.unknownChunks / tk;
  pa[26] = clamp01((st.maxUnknownWindow - ODD_WINDOW * unknownRate - 1) / 3);
  pa[27] = clamp01((st.maxGibberishWindow - 3) / 4);
  pa[28] = clamp01((st.tailSuffix - st.headSuffix - 2) / 4);
  pa[29] = clamp01(codeWords / 4);
  pa[30] = clamp01(codeSyntax / 4);
  // In program text, symbol runs and unknown identifiers are the language, not a suffix: the
  // suffix cues fade out as the text looks more like code (a linear model cannot learn this
  // interaction from the two code features alone). Keywords alone fade them at most halfway (a
  // suffix padded with "const sudo" keeps half); fading them fully takes line structure as well.
  const prose = 1 - clamp01((Math.min(codeWords, 2 + 2 * codeSyntax) + codeSyntax) / 4);
  for (const k of SUFFIX_CUES) pa[k] *= prose;
  const hi = slot.out['harmful-intent'];
  hi.fill(0);
  for (let k = 0; k < 8; k++) hi[k] = hits[16 + k] / (k === 0 || k === 2 || k === 3 ? 3 : 1);
  hi[8] = (startBits & W.REQ) !== 0 && (startBits & W.YOU) === 0 ? 1 : 0;
  hi[9] = (startBits & W.FIG) !== 0 ? 1 : 0;
  hi[10] = hi[0] > 0 && hi[2] > 0 ? 1 : 0;
  hi[11] = hi[0] > 0 && hi[3] > 0 ? 1 : 0;
  hi[12] = hits[24];
  slot.text = text;
  slot.vocab = used;
  return slot.out[set];
}
