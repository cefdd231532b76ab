/**
 * Alphanumeric identifiers with a fixed layout: IBAN (mod-97), SWIFT/BIC, UK National Insurance,
 * VIN (check digit), AWS access key ids and secret keys.
 */
import { ibanValid, vinValid } from './checksums.js';
import { eachMatch, eachMatchAt, eachMatchIn, hasKeyword, isLetter, isUpper, keywordWindows, near, registerKeywords, RANK_CHECKSUM, RANK_CONTEXT, RANK_FORMAT, type MatchHandler, type Scanner } from './scan.js';

// Country code, check digits, then BBAN chars, optionally grouped by single spaces.
const IBAN_START_RE = /\b[A-Za-z]{2}\d{2}(?=[ ]?[A-Za-z0-9]{4})/y;

function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

const IBAN_AT = { offsets: [2], minRun: 2, maxRun: Infinity, lead: isLetter };

const onIbanStart: MatchHandler = (m, input, out) => {
  const t = input.text;
  // Walk alphanumerics allowing single spaces, and accept the longest prefix that validates;
  // greedy regexes would otherwise swallow the next word ("GB82... to").
  let compact = '';
  let e = m.index;
  let best = -1;
  while (e < t.length && compact.length < 34) {
    const c = t.charCodeAt(e);
    if (isAlnum(c)) {
      compact += t[e];
      e++;
      if (compact.length >= 15 && (e === t.length || !isAlnum(t.charCodeAt(e))) && ibanValid(compact)) best = e;
    } else if (c === 32 && e + 1 < t.length && isAlnum(t.charCodeAt(e + 1))) e++;
    else break;
  }
  if (best === -1) return;
  out.push({ type: 'INTERNATIONAL_BANK_ACCOUNT_NUMBER', start: m.index, end: best, rank: RANK_CHECKSUM, confidence: 'HIGH' });
};

export const scanIbans: Scanner = (input, out) => {
  if (input.digits < 10) return;
  eachMatchAt(input, IBAN_START_RE, IBAN_AT, onIbanStart, out);
};

const ISO_COUNTRIES = new Set(
  ('AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD ' +
    'CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF ' +
    'GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN ' +
    'KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA ' +
    'NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI ' +
    'SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI ' +
    'VN VU WF WS YE YT ZA ZM ZW XK').split(' '),
);
const SWIFT_RE = /\b[A-Z]{4}([A-Z]{2})[A-Z0-9]{2}(?:[A-Z0-9]{3})?\b/g;
const SWIFT_CTX = /swift|\bbic\b|bank|wire|transfer|routing|sort code/;

// Every word of SWIFT_CTX ('bic' without its \b: a superset), so a code with a banking word
// before it always lies in one of their windows.
const SWIFT_WORDS = ['swift', 'bic', 'bank', 'wire', 'transfer', 'routing', 'sort code'];
const SWIFT_AT_RE = new RegExp(SWIFT_RE.source, 'y');
// A code whose location part has a digit: its first digit run starts 6 to 10 characters in.
const SWIFT_AT = { offsets: [6, 7, 8, 9, 10], minRun: 1, maxRun: 5, lead: isUpper };
const SWIFT_KEYWORDS = registerKeywords(SWIFT_WORDS);

export const scanSwift: Scanner = (input, out) => {
  // Codes are found next to a banking word, or anywhere when their location part has a digit.
  const seen = new Set<number>();
  const onMatch = (m: RegExpExecArray): void => {
    if (seen.has(m.index)) return;
    seen.add(m.index);
    if (!ISO_COUNTRIES.has(m[1])) return;
    const end = m.index + m[0].length;
    // All-letter codes are also shouted words ("BUSINESS"); those need a banking word nearby.
    const digitInLocation = /\d/.test(m[0].slice(6));
    const ctx = near(input, m.index, end, SWIFT_CTX, 48);
    if (!ctx && !digitInLocation) return;
    out.push({ type: 'SWIFT_CODE', start: m.index, end, rank: ctx ? RANK_FORMAT : RANK_CONTEXT, confidence: ctx ? 'HIGH' : 'MEDIUM' });
  };
  const kw = keywordWindows(input, SWIFT_KEYWORDS, 64, 64);
  if (kw) eachMatchIn(SWIFT_RE, input.text, kw, 0, onMatch);
  eachMatchAt(input, SWIFT_AT_RE, SWIFT_AT, onMatch);
};

// Prefix letters exclude D F I Q U V (and O second); BG GB NK KN TN NT ZZ are never issued.
const NINO_RE = /\b(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b/y;

const NINO_AT = { offsets: [2, 3], minRun: 2, maxRun: 6, lead: isUpper };

const onNino: MatchHandler = (m, _input, out) => {
  out.push({ type: 'UK_NATIONAL_INSURANCE_NUMBER', start: m.index, end: m.index + m[0].length, rank: RANK_FORMAT, confidence: 'HIGH' });
};

export const scanNino: Scanner = (input, out) => {
  if (input.digits < 6) return;
  eachMatchAt(input, NINO_RE, NINO_AT, onNino, out);
};

const VIN_RE = /\b[A-HJ-NPR-Z0-9]{17}\b/y;

function isVinChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90 && c !== 73 && c !== 79 && c !== 81);
}

export const scanVins: Scanner = (input, out) => {
  if (input.digits < 2) return;
  const t = input.text;
  const runs = input.digitRuns;
  let done = 0;
  // A VIN is a whole 17-character token with digits in it: try it only from where the token
  // around a digit run starts.
  for (let r = 0; r < runs.length; r += 2) {
    let s = runs[r];
    while (s > done && runs[r] - s < 17 && isVinChar(t.charCodeAt(s - 1))) s--;
    if (s < done || !isVinChar(t.charCodeAt(s + 16)) || isVinChar(t.charCodeAt(s + 17))) continue;
    VIN_RE.lastIndex = s;
    const m = VIN_RE.exec(t);
    if (m === null) continue;
    done = m.index + 17;
    const v = m[0];
    if (!/[A-Z]/.test(v) || !/\d/.test(v) || !vinValid(v)) continue;
    out.push({ type: 'VEHICLE_IDENTIFICATION_NUMBER', start: m.index, end: m.index + 17, rank: RANK_CHECKSUM, confidence: 'HIGH' });
  }
};

export const AWS_ACCESS_KEY_RE = /\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z0-9]{16}\b/g;
const AWS_SECRET_RE = /(?<![A-Za-z0-9\/+])[A-Za-z0-9\/+]{40}(?![A-Za-z0-9\/+=])/g;
const AWS_SECRET_CTX = /secret|aws|private key/;

export function looksRandom(v: string): boolean {
  return /[a-z]/.test(v) && /[A-Z]/.test(v) && /\d/.test(v);
}

const AWS_WORDS = ['secret', 'aws_', 'aws ', 'aws-', 'aws:', 'private key'];
const AWS_KEYWORDS = registerKeywords(AWS_WORDS);
// Key ids start with one of these prefixes: they run only after one.
const AWS_KEY_ID_PREFIXES = registerKeywords(['akia', 'asia', 'abia', 'acca', 'agpa', 'aida', 'aroa', 'aipa', 'anpa', 'anva', 'apka']);

export const scanAwsKeys: Scanner = (input, out) => {
  const t = input.text;
  let sawKeyId = false;
  const ids = keywordWindows(input, AWS_KEY_ID_PREFIXES, 0, 24);
  if (ids) {
    eachMatchIn(AWS_ACCESS_KEY_RE, t, ids, 0, (m) => {
      sawKeyId = true;
      out.push({ type: 'AWS_ACCESS_KEY', start: m.index, end: m.index + 20, rank: RANK_CHECKSUM, confidence: 'HIGH' });
    });
  }
  if (!sawKeyId && !hasKeyword(input, AWS_KEYWORDS)) return;
  eachMatch(AWS_SECRET_RE, t, (m) => {
    if (!looksRandom(m[0])) return;
    if (!sawKeyId && !near(input, m.index, m.index + 40, AWS_SECRET_CTX, 80)) return;
    out.push({ type: 'AWS_SECRET_KEY', start: m.index, end: m.index + 40, rank: RANK_CHECKSUM, confidence: 'HIGH' });
  });
};
