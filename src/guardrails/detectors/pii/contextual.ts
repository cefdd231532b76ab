/**
 * Types that are only recognisable by what precedes them: "password: X", "PIN 1234",
 * "passport no. 123456789", "42 years old". Each is one regex of keyword, bounded filler and value,
 * gated by a cheap substring test so ordinary prose skips it.
 */
import type { PiiEntityType } from './entities.js';
import { ASSIGN, ASSIGN_STRICT, eachMatchAt, eachMatchIn, groupSpan, isUpper, keywordWindows, registerKeywords, RANK_CONTEXT, RANK_FORMAT, type Keywords, type MatchHandler, type ScanInput, type PiiHit, type Scanner } from './scan.js';

interface KeyedRule {
  type: PiiEntityType;
  /** Substrings of the lower-cased text, any of which must occur for the regex to run. */
  gate: string[];
  re: RegExp;
  /** Optional check on the captured value; `loose` when it came from the second, separator-free alternative. */
  accept?: (value: string, loose: boolean) => boolean;
  rank?: number;
  /** Drop trailing sentence punctuation from the value ("is hunter2." -> "hunter2"). */
  trimEnd?: boolean;
}

const hasDigit = (v: string): boolean => /\d/.test(v);
/** A value that is not a plain word: digits, symbols or inner capitals. */
const looksSecret = (v: string): boolean => /[\d\W_]/.test(v) || /[a-z][A-Z]/.test(v);
/** Common words that follow "password" in prose ("password reset", "password is required"). */
const NOT_SECRET = /^(?:reset|required|incorrect|invalid|wrong|manager|policy|protected|field|change|changed|expired|hint|strength|please|here|below|above|the|your|my|a|an|and|to|for|is|was|that|this|it|same|again|every|should|must|will)$/i;

const RULES: KeyedRule[] = [
  {
    // Full keywords take a loose separator ("password hunter2") when the value looks like a secret;
    // bare "pass"/"pw" need an explicit ":", "=" or "is" ("pass emission standards" is prose).
    type: 'PASSWORD', gate: ['pass', 'pwd', 'pw'],
    re: new RegExp(String.raw`\b(?:password|passwd|pwd|pw|passphrase|pass ?code|pass)\b(?:\s+(?:for\s+\w+))?` + ASSIGN_STRICT + String.raw`([^\s"'\x60]{4,64})|\b(?:password|passwd|passphrase|passcode)[ \t]+(?:to[ \t]+)?([^\s"'\x60]{4,64})`, 'gid'),
    accept: (v, loose) => !NOT_SECRET.test(v) && !/:\/\/|^&#|^www\./i.test(v) && (!loose || looksSecret(v)),
    trimEnd: true,
  },
  {
    type: 'USERNAME', gate: ['username', 'user name', 'user id', 'userid', 'login', 'screen name', 'screenname'],
    re: new RegExp(String.raw`\b(?:user ?name|user ?id|login(?: name| id)?|screen ?name)\b` + ASSIGN_STRICT + String.raw`(@?[A-Za-z0-9][A-Za-z0-9._\-]{2,31})\b|\b(?:user ?name|user ?id|screen ?name)[ \t]+(@?[A-Za-z0-9][A-Za-z0-9._\-]{2,31})\b`, 'gid'),
    accept: (v, loose) =>
      !NOT_SECRET.test(v) && !/^(?:name|account|interface|experience|guide|manual)$/i.test(v) && (!loose || /[\d_.@]/.test(v)),
  },
  {
    type: 'PIN', gate: ['pin'],
    re: new RegExp(String.raw`\bpin(?:\s*(?:code|number))?` + ASSIGN + String.raw`(\d{4,8})\b`, 'gid'),
  },
  {
    type: 'CREDIT_DEBIT_CARD_CVV', gate: ['cvv', 'cvc', 'cid ', 'cid:', 'cid#', 'csc', 'security code', 'verification'],
    re: new RegExp(String.raw`\b(?:cvv2?|cvc2?|cid|csc|card (?:security|verification) (?:code|value|number)|security code)` + ASSIGN + String.raw`(\d{3,4})\b`, 'gid'),
  },
  {
    type: 'CREDIT_DEBIT_CARD_EXPIRY', gate: ['expir', 'exp.', 'exp:', 'exp ', 'valid thru', 'valid through', 'valid until', 'good thru', 'card'],
    re: /\b(?:exp(?:iry|iration|ires|\.)?(?:\s*date)?|valid (?:thru|through|until)|good thru|card)[^\n\d]{0,24}?\b((?:0[1-9]|1[0-2])\s?[\/\-]\s?(?:20)?\d{2})(?![\d\/])/gid,
  },
  {
    type: 'US_PASSPORT_NUMBER', gate: ['passport'],
    re: /\bpassport\b[^\n\d]{0,30}?\b([A-Z]\d{8}|\d{9})\b/gid,
  },
  {
    type: 'DRIVER_ID', gate: ['licen', 'driver', 'driving', 'dl ', 'dl:', 'dl#'],
    re: new RegExp(String.raw`\b(?:driver'?s?|driving)\s*(?:licen[cs]e|lic\.?|permit)` + ASSIGN + String.raw`([A-Z0-9][A-Z0-9\-]{4,19})\b|\bDL\b` + ASSIGN_STRICT + String.raw`([A-Z0-9][A-Z0-9\-]{4,19})\b`, 'gid'),
    accept: hasDigit,
  },
  {
    type: 'LICENSE_PLATE', gate: ['plate', 'registration', 'reg.', 'reg ', 'reg:', 'reg#'],
    re: new RegExp(String.raw`\b(?:(?:licen[cs]e|number|registration)\s*plates?|plate|reg(?:istration)?(?:\s*mark)?)\b` + ASSIGN + String.raw`([A-Z0-9]{1,4}[ \-]?[A-Z0-9]{1,5})\b`, 'gid'),
    accept: (v) => hasDigit(v) && v === v.toUpperCase(),
  },
];

function runRule(input: ScanInput, rule: KeyedRule, gate: Keywords, out: PiiHit[]): void {
  // The regex starts at its keyword, so it only needs to run near the keyword's occurrences.
  const windows = keywordWindows(input, gate, 16, 140);
  if (windows === undefined) return;
  eachMatchIn(rule.re, input.text, windows, 0, (m) => {
    const group = m[2] !== undefined ? 2 : 1;
    const span = groupSpan(m, group);
    if (!span) return;
    if (rule.trimEnd) while (span[1] - span[0] > 4 && '.,;:)]}'.includes(input.text[span[1] - 1])) span[1]--;
    const value = input.text.slice(span[0], span[1]);
    if (rule.accept && !rule.accept(value, group === 2)) return;
    out.push({ type: rule.type, start: span[0], end: span[1], rank: rule.rank ?? RANK_FORMAT, confidence: 'MEDIUM' });
  });
}

export const CONTEXT_SCANNERS: { types: PiiEntityType[]; scan: Scanner }[] = RULES.map((rule) => {
  const gate = registerKeywords(rule.gate);
  return { types: [rule.type], scan: (input, out) => runRule(input, rule, gate, out) };
});

// UK plates (AB12 CDE) are distinctive enough to stand without a keyword.
const UK_PLATE_RE = /\b[A-Z]{2}\d{2} ?[A-Z]{3}\b/y;
const UK_PLATE_AT = { offsets: [2], minRun: 2, maxRun: 2, lead: isUpper };
const onUkPlate: MatchHandler = (m, _input, out) => {
  out.push({ type: 'LICENSE_PLATE', start: m.index, end: m.index + m[0].length, rank: RANK_FORMAT, confidence: 'MEDIUM' });
};
export const scanUkPlates: Scanner = (input, out) => {
  if (input.digits < 2) return;
  eachMatchAt(input, UK_PLATE_RE, UK_PLATE_AT, onUkPlate, out);
};

// "42 years old", "38-year-old", "64 y/o", "aged 42", "age: 42", "age of 71", "turned 47".
const AGE_AFTER_RE = /\b(\d{1,3})(?:\s?-?\s?(?:years?|yrs?)[\s\-]?(?:old\b|of age\b)|\s?(?:y\/o|y\.o\.|yo)(?![\w\/]))/yid;
// "years", "yrs", "y/o", "yo" follow the number after at most a space, a dash and a space.
const AGE_AFTER_AT = {
  offsets: [0], minRun: 1, maxRun: 3,
  accept: (t: string, runs: readonly number[], r: number): boolean => {
    for (let i = runs[r + 1]; i <= runs[r + 1] + 3; i++) {
      const c = t.charCodeAt(i);
      if (c === 121 || c === 89) return true;
      // Whitespace or '-' (anything non-ASCII may be a Unicode space: let the regex decide).
      if (!(c === 32 || c === 45 || (c >= 9 && c <= 13) || c >= 128)) return false;
    }
    return false;
  },
};
const AGE_KEYWORDS = registerKeywords(['age', 'turn']);
const AGE_BEFORE_RE = /\b(?:aged?|age of|turned|turning|turns)\b[\s:=\-]{0,3}(?:is\s|was\s|of\s)?(\d{1,3})\b(?![.,]\d|\s?%)/gid;


const onAge: MatchHandler = (m, input, out) => {
  const span = groupSpan(m, 1);
  if (!span) return;
  const n = Number(input.text.slice(span[0], span[1]));
  if (n > 125) return;
  out.push({ type: 'AGE', start: span[0], end: span[1], rank: RANK_CONTEXT, confidence: 'MEDIUM' });
};

export const scanAge: Scanner = (input, out) => {
  if (input.digits === 0) return;
  eachMatchAt(input, AGE_AFTER_RE, AGE_AFTER_AT, onAge, out);
  // The number follows its keyword within a few characters.
  const windows = keywordWindows(input, AGE_KEYWORDS, 0, 24);
  if (windows) eachMatchIn(AGE_BEFORE_RE, input.text, windows, 0, (m) => onAge(m, input, out));
};
