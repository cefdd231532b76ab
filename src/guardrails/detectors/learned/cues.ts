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
import { sharedTokens, type Tokens } from './tokens.js';

export type CueSet = 'prompt-attack' | 'harmful-intent';

export const CUE_NAMES: Record<CueSet, readonly string[]> = {
  'prompt-attack': [
    'override_object', 'prior_instructions', 'you_are', 'you_are_now', 'act_as', 'jailbreak_words', 'no_restrictions',
    'special_mode', 'extract_prompt', 'new_task', 'delimiter', 'stop_then_say', 'stay_in_role', 'framing', 'ethics_talk',
    'symbol_ratio', 'odd_token_ratio', 'class_transitions', 'odd_token_run', 'odd_token_window', 'harmful_request',
    'harmful_writing',
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
  tokens: number;
  transitions: number;
  maxOddRun: number;
  /** Most odd chunks among any ODD_WINDOW consecutive chunks (symbol-only chunks count half). */
  maxOddWindow: number;
}

const ODD_WINDOW = 8;
const ring = new Float64Array(ODD_WINDOW);

function near(cls: number, pos: number, k: number): boolean {
  const b = 31 - Math.clz32(cls);
  return pos - last[b] <= k;
}

function classIndex(bit: number): number {
  return 31 - Math.clz32(bit);
}

/** Pattern hits: prompt-attack cues at 0-14, harmful-intent cues at 16-24. */
const hits = new Float64Array(32);

/**
 * Reads the shared tokens (tagger-features.ts: word runs and single symbol characters, with
 * lower-cased word hashes) rather than the characters again. A whitespace-delimited chunk is a
 * run of tokens that touch; an adversarial suffix is a run of chunks mixing words and symbols.
 */
function scan(t: Tokens, st: Stats): void {
  last.fill(-1000);
  hits.fill(0);
  groupPos = groupAdjPos = rightsPos = -1000;
  let pos = 0;
  let chunkLetters = 0, chunkSymbols = 0, chunkTransitions = 0, oddRun = 0;
  let prevWord = -1;
  ring.fill(0);
  let ringSum = 0;
  let ringAt = 0;
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
      ringAt = (ringAt + 1) % ODD_WINDOW;
      if (ringSum > st.maxOddWindow) st.maxOddWindow = ringSum;
      chunkLetters = chunkSymbols = chunkTransitions = 0;
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
      endWord(t.lower[k], pos++);
    } else {
      st.symbols++;
      chunkSymbols++;
    }
    if (prevWord >= 0 && prevWord !== word) chunkTransitions++;
    prevWord = word;
  }
}

/** Word positions of the last protected group ("Muslims", "Asian people") and the last right. */
let groupPos = -1000;
let groupAdjPos = -1000;
let rightsPos = -1000;

function endWord(h: number, pos: number): void {
  const bits = CUE_WORDS.get(h);
  const bits2 = CUE_WORDS.bank2;
  if (pos < 3) startBits |= bits;
  if (bits2 !== 0) groupCue(bits2, pos);
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

function delimiterScore(text: string): number {
  let k = 0;
  for (const d of DELIMITERS) {
    // indexOf is native and fast; the delimiters are ASCII, and case only matters for "[INST]".
    if (text.indexOf(d) >= 0 || (d.charCodeAt(1) === 105 && text.indexOf(d.toUpperCase()) >= 0)) k++;
  }
  return Math.min(3, k);
}

interface Slot {
  text: string | null;
  out: Record<CueSet, Float32Array>;
}
const newSlot = (): Slot => ({ text: null, out: { 'prompt-attack': new Float32Array(32), 'harmful-intent': new Float32Array(32) } });
const slots: Slot[] = [newSlot(), newSlot()];
let nextSlot = 0;

function clamp01(x: number): number {
  return x <= 0 ? 0 : x >= 1 ? 1 : x;
}

/**
 * The dense cue features of `text` for `set`, in CUE_NAMES order. One scan fills both sets, so
 * the prompt-attack and harmful-intent classifiers share it. Valid until two other texts.
 */
export function cueFeatures(text: string, set: CueSet): Float32Array {
  for (const s of slots) if (s.text === text) return s.out[set];
  const slot = slots[nextSlot];
  nextSlot = (nextSlot + 1) % slots.length;
  const st: Stats = { nonSpace: 0, symbols: 0, oddTokens: 0, tokens: 0, transitions: 0, maxOddRun: 0, maxOddWindow: 0 };
  startBits = 0;
  scan(sharedTokens(text), st);
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
  const hi = slot.out['harmful-intent'];
  hi.fill(0);
  for (let k = 0; k < 8; k++) hi[k] = hits[16 + k] / (k === 0 || k === 2 || k === 3 ? 3 : 1);
  hi[8] = (startBits & W.REQ) !== 0 && (startBits & W.YOU) === 0 ? 1 : 0;
  hi[9] = (startBits & W.FIG) !== 0 ? 1 : 0;
  hi[10] = hi[0] > 0 && hi[2] > 0 ? 1 : 0;
  hi[11] = hi[0] > 0 && hi[3] > 0 ? 1 : 0;
  hi[12] = hits[24];
  slot.text = text;
  return slot.out[set];
}
