/**
 * Dense cue features for the prompt-attack and harmful-intent classifiers: reviewed word-class
 * patterns (cue-lexicon.ts) and character statistics of adversarial suffixes. The n-gram features
 * memorise each source's wording; these say what an attack does in words any source uses, so the
 * model transfers to sources it has not seen (measured with leave-one-source-out CV). Their weights
 * are learned with the n-gram weights in the same logistic model.
 *
 * One pass over the char codes, no substrings; the result is cached for the last two texts, since
 * the classifiers of a guardrail score the same text (and its normalised form) in a row.
 */
import { CUE_WORDS, lowerCue, W } from './cue-lexicon.js';

export type CueSet = 'prompt-attack' | 'harmful-intent';

export const CUE_NAMES: Record<CueSet, readonly string[]> = {
  'prompt-attack': [
    'override_object', 'prior_instructions', 'you_are', 'you_are_now', 'act_as', 'jailbreak_words', 'no_restrictions',
    'special_mode', 'extract_prompt', 'new_task', 'delimiter', 'stop_then_say', 'stay_in_role', 'framing', 'ethics_talk',
    'symbol_ratio', 'odd_token_ratio', 'class_transitions', 'odd_token_run', 'mixed_script', 'inner_capitals',
  ],
  'harmful-intent': [
    'harm_words', 'harm_request', 'tech_context', 'figurative_context', 'safe_object', 'violent_person',
    'violent_safe_object', 'write_bad', 'first_person_how', 'what_why_question', 'harm_with_tech', 'harm_with_figurative',
  ],
};

/** Positions (word index) of the last word of each class, for "A then B within k words". */
const last = new Int32Array(32);
const MAX_WORDS = 1 << 16;

interface Stats {
  words: number;
  nonSpace: number;
  symbols: number;
  oddTokens: number;
  tokens: number;
  transitions: number;
  maxOddRun: number;
  mixedScript: number;
  innerCaps: number;
}

function near(cls: number, pos: number, k: number): boolean {
  const b = 31 - Math.clz32(cls);
  return pos - last[b] <= k;
}

function classIndex(bit: number): number {
  return 31 - Math.clz32(bit);
}

/** Pattern hits, in the order of the prompt-attack and harmful-intent names. */
const hits = new Float64Array(32);

function scan(text: string, st: Stats): void {
  last.fill(-1000);
  hits.fill(0);
  const n = text.length;
  let h = 0x811c9dc5;
  let len = 0;
  let pos = 0;
  // Token-level (whitespace-delimited) statistics for adversarial suffixes.
  let tokLetters = 0, tokSymbols = 0, tokLatin = 0, tokOther = 0, tokTransitions = 0, prevClass = -1, oddRun = 0;
  let prevLower = false;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? text.charCodeAt(i) : 32;
    const space = c === 32 || (c >= 9 && c <= 13) || c === 0xa0;
    const letter = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c > 127 && !space && !(c >= 0x2000 && c <= 0x206f));
    const digit = c >= 48 && c <= 57;
    if (letter || digit) {
      h = Math.imul(h ^ lowerCue(c), 0x01000193);
      len++;
    } else if (len > 0) {
      endWord(h | 0, pos++);
      h = 0x811c9dc5;
      len = 0;
      if (pos >= MAX_WORDS) pos = MAX_WORDS - 1;
    }
    if (space) {
      if (tokLetters + tokSymbols > 0) {
        st.tokens++;
        const odd = tokSymbols > 0 && tokLetters > 0 && (tokTransitions >= 3 || tokSymbols >= 2);
        if (odd) {
          st.oddTokens++;
          if (++oddRun > st.maxOddRun) st.maxOddRun = oddRun;
        } else oddRun = 0;
        if (tokLatin > 0 && tokOther > 0) st.mixedScript++;
        st.transitions += tokTransitions;
      }
      tokLetters = tokSymbols = tokLatin = tokOther = tokTransitions = 0;
      prevClass = -1;
      prevLower = false;
      continue;
    }
    st.nonSpace++;
    const cls = letter ? 0 : digit ? 1 : 2;
    if (cls === 2) {
      st.symbols++;
      tokSymbols++;
    } else {
      tokLetters++;
      if (c < 128) tokLatin++;
      else if (c >= 0x370) tokOther++;
    }
    if (prevClass >= 0 && cls !== prevClass) tokTransitions++;
    const upper = c >= 65 && c <= 90;
    if (upper && prevLower) st.innerCaps++;
    prevLower = c >= 97 && c <= 122;
    prevClass = cls;
  }
  st.words = pos;
}

function endWord(h: number, pos: number): void {
  const bits = CUE_WORDS.get(h);
  if (pos < 3) startBits |= bits;
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
  set: CueSet | null;
  out: Float32Array;
}
const slots: Slot[] = [
  { text: null, set: null, out: new Float32Array(32) },
  { text: null, set: null, out: new Float32Array(32) },
];
let nextSlot = 0;

function clamp01(x: number): number {
  return x <= 0 ? 0 : x >= 1 ? 1 : x;
}

/** The dense cue features of `text` for `set`, in CUE_NAMES order. Valid until two other calls. */
export function cueFeatures(text: string, set: CueSet): Float32Array {
  for (const s of slots) if (s.text === text && s.set === set) return s.out;
  const slot = slots[nextSlot];
  nextSlot = (nextSlot + 1) % slots.length;
  const st: Stats = { words: 0, nonSpace: 0, symbols: 0, oddTokens: 0, tokens: 0, transitions: 0, maxOddRun: 0, mixedScript: 0, innerCaps: 0 };
  startBits = 0;
  scan(text, st);
  const out = slot.out;
  out.fill(0);
  if (set === 'prompt-attack') {
    for (let k = 0; k < 15; k++) out[k] = hits[k] / (k === 5 || k === 13 || k === 14 ? 3 : 1);
    out[10] = delimiterScore(text) / 3;
    const ns = Math.max(1, st.nonSpace);
    const tk = Math.max(1, st.tokens);
    // Offsets keep ordinary punctuation, tweets' @mentions and URLs near zero: only the dense
    // symbol soup of an adversarial suffix (GCG, random search) gets far above them.
    out[15] = clamp01((st.symbols / ns - 0.15) * 4);
    out[16] = clamp01((st.oddTokens / tk - 0.2) * 2);
    out[17] = clamp01((st.transitions / ns - 0.1) * 5);
    out[18] = clamp01((st.maxOddRun - 2) / 6);
    out[19] = clamp01(st.mixedScript / 3);
    out[20] = clamp01((st.innerCaps / Math.max(1, st.words) - 0.05) * 5);
  } else {
    for (let k = 0; k < 8; k++) out[k] = hits[16 + k] / (k === 0 || k === 2 || k === 3 ? 3 : 1);
    out[8] = (startBits & W.REQ) !== 0 && (startBits & W.YOU) === 0 ? 1 : 0;
    out[9] = (startBits & W.FIG) !== 0 ? 1 : 0;
    out[10] = out[0] > 0 && out[2] > 0 ? 1 : 0;
    out[11] = out[0] > 0 && out[3] > 0 ? 1 : 0;
  }
  slot.text = text;
  slot.set = set;
  return out;
}
