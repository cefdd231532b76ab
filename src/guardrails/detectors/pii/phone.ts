/**
 * Phone numbers: E.164, North American 3-3-4, national numbers with a trunk 0, and any grouped
 * digit run next to a phone word ("Phone:", "call", "... office"). Dates, IPs and version numbers
 * share the shape, so the format rules are strict and everything else needs a context word.
 */
import { eachMatchAt, near, RANK_CONTEXT, RANK_FORMAT, type MatchHandler, type Scanner } from './scan.js';

// Groups of 1-5 digits joined by one space, dot or dash, with an optional +CC and (area) part.
const GROUPED_RE =
  /(?<![\w+.\-\/])(?:(\+|00)[1-9]\d{0,2}[ .\-]?)?(?:\(0?\d{0,5}\)[ .\-]?)?\d{1,15}(?:[ .\-](?:\(0?\d{1,4}\)[ .\-]?)?\d{1,8}|\(\d{1,4}\)\d{1,8}){0,6}(?![\w\/]|-\d|\.\d)/y;
// It starts at a digit run, or at the '+' or '(' one to three characters before one ("+1", "(0", "() 5").
const GROUPED_AT = { offsets: [0, 1, 2, 3], minRun: 1, maxRun: Infinity, lead: (c: number) => c === 40 || c === 43, accept: sevenDigitsChained };

/**
 * Whether the runs from `r` on, each at most four characters after the last (" () " is the widest
 * gap GROUPED_RE allows), hold at least seven digits: scanPhones drops matches with fewer.
 */
function sevenDigitsChained(_t: string, runs: readonly number[], r: number): boolean {
  let digits = runs[r + 1] - runs[r];
  for (let k = r + 2; k < runs.length && digits < 7 && runs[k] - runs[k - 1] <= 4; k += 2) digits += runs[k + 1] - runs[k];
  return digits >= 7;
}
const E164_RE = /(?<![\w+])\+[1-9]\d{7,14}(?!\d)/y;
const E164_AT = { offsets: [1], minRun: 8, maxRun: 15, lead: (c: number) => c === 43 };

const BEFORE_CTX = /phone|\btel\b|tel\.|telephone|mobile|\bcell|\bfax|call|text me|\bsms\b|message|whatsapp|\bdial|reach|answer|contact|\bring\b|number|\bph\b|\bmob\b/;
// Words that name a phone outright; the weaker ones above ("number", "contact") also precede other numbers.
const STRONG_CTX = /phone|\btel\b|tel\.|mobile|\bcell|\bfax|\bcall|whatsapp|\bdial|\bsms\b|\bph\b|\bmob\b/;
const AFTER_CTX = /^\W{0,3}(?:office|fax|mobile|cell|home|work|ext|phone|tel)/;
const DATE_GROUP = /^(?:19|20)\d\d$/;

/** The digit groups and separators of a candidate. */
interface Shape {
  digits: number;
  /** Number of digit groups, the lengths of the first four (0 past the last group), and the longest. */
  groups: number;
  first: [number, number, number, number];
  longest: number;
  /** Separators between groups (space, '.', '-'), and how many of them are dots. */
  seps: number;
  dots: number;
}

// Candidates are measured one at a time, into this one shape (no arrays or strings per candidate).
const shape: Shape = { digits: 0, groups: 0, first: [0, 0, 0, 0], longest: 0, seps: 0, dots: 0 };

function measure(s: string): Shape {
  const sh = shape;
  sh.digits = 0;
  sh.groups = 0;
  sh.first.fill(0);
  sh.longest = 0;
  sh.seps = 0;
  sh.dots = 0;
  let run = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : -1;
    if (c >= 48 && c <= 57) {
      run++;
      sh.digits++;
      continue;
    }
    if (run > 0) {
      if (sh.groups < 4) sh.first[sh.groups] = run;
      sh.groups++;
      if (run > sh.longest) sh.longest = run;
    }
    run = 0;
    if (c === 46 || c === 45 || c === 32) {
      sh.seps++;
      if (c === 46) sh.dots++;
    }
  }
  return sh;
}

/** 2024-01-15, 15.01.2024, 1.2.3.4: digit groups that are dates, versions or IPs, not phones. */
function looksLikeDateOrDotted(m: string, sh: Shape): boolean {
  if (sh.groups === 3 && sh.digits === 8) {
    // Split only here: a regex split costs more than the rest of the phone checks together.
    const parts = m.split(/[ .\-]/);
    if (DATE_GROUP.test(parts[0]) || DATE_GROUP.test(parts[2])) return true;
  }
  if (sh.seps > 0 && sh.dots === sh.seps && sh.groups !== 3) return true;
  return false;
}

const onE164: MatchHandler = (m, _input, out) => {
  out.push({ type: 'PHONE', start: m.index, end: m.index + m[0].length, rank: RANK_FORMAT, confidence: 'HIGH' });
};

const onGrouped: MatchHandler = (m, input, out) => {
  const s = m[0];
  const sh = measure(s);
  if (sh.digits < 7 || sh.digits > 15) return;
  const start = m.index;
  const end = start + s.length;
  const g = sh.first;
  const intl = m[1] !== undefined && sh.digits >= 8;
  const paren = s.includes('(');
  // (NPA) NXX-XXXX or NPA-NXX-XXXX, optionally after a leading 1.
  const nanp =
    (sh.groups === 3 && g[0] === 3 && g[1] === 3 && g[2] === 4 && s.charAt(s[0] === '(' ? 1 : 0) !== '0') ||
    (sh.groups === 4 && (g[0] === 1 || g[0] === 3) && g[1] === 3 && g[2] === 3 && g[3] === 4);
  const trunk = s[0] === '0' && s[1] !== '0' && sh.digits >= 9 && sh.groups >= 2;
  if (looksLikeDateOrDotted(s, sh) && !intl) return;
  let rank = 0;
  if (intl || nanp || (paren && sh.digits >= 8) || trunk) rank = RANK_FORMAT;
  else if ((sh.groups >= 2 || sh.digits >= 8) && near(input, start, end, sh.longest >= 3 ? BEFORE_CTX : STRONG_CTX, 40)) rank = RANK_CONTEXT;
  else if ((sh.groups >= 2 || sh.digits >= 9) && AFTER_CTX.test(input.lower.slice(end, end + 16))) rank = RANK_CONTEXT;
  if (rank === 0) return;
  out.push({ type: 'PHONE', start, end, rank, confidence: rank === RANK_FORMAT ? 'HIGH' : 'MEDIUM' });
};

export const scanPhones: Scanner = (input, out) => {
  if (input.digits < 7) return;
  eachMatchAt(input, E164_RE, E164_AT, onE164, out);
  eachMatchAt(input, GROUPED_RE, GROUPED_AT, onGrouped, out);
};
