/**
 * Deterministic ADDRESS pass for clear cases: a house number followed by a street-type word, a
 * European street name with its number, unit lines ("Suite 245"), PO boxes, US state + ZIP,
 * "zip code is N", and "address: ..." / "lives at ..." lines that contain a number. Free-form
 * addresses are left to the learned tagger.
 */
import { ASSIGN, eachMatchAt, eachMatchIn, groupSpan, hasKeyword, isUpper, keywordWindows, registerKeywords, RANK_CONTEXT, type MatchHandler, type PiiHit, type ScanInput, type Scanner } from './scan.js';

const STREET_TYPES =
  'Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Ter|Circle|Cir|Parkway|Pkwy|' +
  'Highway|Hwy|Square|Sq|Trail|Trl|Turnpike|Tpke|Alley|Plaza|Crescent|Close|Row|Walk|Heights|Ridge|Crossing|Loop|Pike|' +
  'Expressway|Freeway|Route|Str|Streets|Roads|Avenues|Lanes|Drives|Courts|Ways|Mews|Grove|Gardens';
const UNIT = String.raw`(?:,?\s{1,3}(?:Apt|Apartment|Suite|Ste|Unit|Flat|Floor|Fl|#)\.?\s?#?\d{1,6}[A-Za-z]?)?`;
const US_STREET_RE = new RegExp(
  String.raw`\b\d{1,6}[A-Za-z]?[ \t]{1,3}(?:[NSEW]\.?[ \t]|North[ \t]|South[ \t]|East[ \t]|West[ \t])?(?:[\p{Lu}\d][\p{L}\d'\-]*\.?[ \t]{1,3}){0,4}(?:${STREET_TYPES})\b\.?` + UNIT,
  'uy',
);
// The house number is followed by a space or tab, or by one letter ("12B").
const US_STREET_AT = {
  offsets: [0], minRun: 1, maxRun: 6,
  accept: (t: string, runs: readonly number[], r: number): boolean => {
    const c = t.charCodeAt(runs[r + 1]);
    return isBlank(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  },
};
function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}
const EU_STREET_RE =
  /(?<![\p{L}])\p{Lu}[\p{L}\-]{0,30}(?:straße|strasse|gasse|weg|vej|veien|vegen|gata|gatan|vägen|katu|tie|laan|straat|allee|platz|plein|gade|utca|ulica|cesta|iela|stræde|vænget|bakken)\s{1,3}\d{1,5}[a-z]?\b|(?<![\p{L}])\p{Lu}[\p{L}\-]{1,30}\s(?:Straße|Strasse|Str\.|Gasse|Weg|Allee|Platz|Gate|Gata|Vej|Veien|Gatan|Laan|Straat|Plein|Ulica|Utca)\s{1,3}\d{1,5}[a-z]?\b|(?<![\p{L}])\p{Lu}[\p{L}\-]{1,30}\s(?:útja|út|utca|tér|körút)\s{1,3}\d{1,5}[a-z]?\b|\b(?:Rue|Via|Calle|Avenida|Rua|Piazza|Paseo|Carrer|Viale|Corso|Chemin|Rúa|Plac|Ulica|C\/)\s(?:[\p{L}'\-]{1,30}\s){0,4}\d{1,5}\b/gu;
const UNIT_RE = /\b(?:Apt|Apartment|Suite|Ste|Unit)\.?\s?#?\d{1,6}[A-Za-z]?\b/g;
const PO_BOX_RE = /\b(?:P\.?\s?O\.?\s?Box|PSC\s\d{1,5},?\s?Box|Box)\s\d{1,6}\b|\b(?:APO|FPO|DPO)\s(?:AA|AE|AP)\s\d{5}\b/gi;
const US_STATES =
  'AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR|VI|GU';
const STATE_ZIP_RE = new RegExp(String.raw`\b(?:${US_STATES}),?\s\d{5}(?:-\d{4})?\b`, 'y');
const ZIP_CTX_RE = new RegExp(
  String.raw`\b(?:zip|postal|post)\s?code\b` + ASSIGN + String.raw`([A-Z]\d[A-Z] ?\d[A-Z]\d|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}|\d{3,5}(?:-\d{3,4})?)\b`,
  'gid',
);
const LINE_CTX_RE =
  /\b(?:(?:home |street |mailing |billing |shipping |postal )?address\s*(?:is\b|:|-)|(?:lives|living|located|resides?|staying)\s+(?:at|on)\b|moved\s+to\b)\s*([\p{Lu}\d][^\n]{3,99}?)(?=\.(?:\s|$)|\n|$|\?|!)/giud;

// Address-block lines: "28245 Puruntie 82", "3482 Via Franscini 71" at the start of a line.
const LINE_STREET_RE = /^[ \t>?]*(\d{1,6}[A-Za-z]?[ \t]{1,3}(?:[\p{Lu}][\p{L}.'\-]*|[a-z]{1,4}\.)(?:[ \t]{1,3}[\p{L}][\p{L}.'\-]*){0,4}[ \t]{1,3}\d{1,5}\b)/dymu;
// The same "number name number" line after a unit, a comma or "at/is/to": "Suite 913 0547 Bygget 91".
// The cue is a look-behind, so the regex starts at the street number and runs at digit runs only.
const AFTER_CUE_STREET_RE =
  /(?<=(?:(?:Apt|Apartment|Suite|Ste|Unit)\.?\s?#?\d{1,6}[A-Za-z]?|[,:]|\b(?:at|is|to))[ \t]{1,3})(\d{2,6}[ \t]{1,3}[\p{Lu}][\p{L}.'\-]*(?:[ \t]{1,3}[\p{L}][\p{L}.'\-]*){0,3}[ \t]{1,3}\d{1,5})\b/dyu;
// "the corner of X and Y", a phrase that only ever introduces a location.
const CORNER_RE = /\b(?:the\s)?corner\sof\s[^\n]{3,100}?(?=[,.?!](?:\s|$)|\n|$)/gi;
// A named street without a house number, after "on"/"at": "on Marina Fort Street".
const NAMED_STREET_RE =
  /\b(?:on|at)\s((?:[\p{Lu}][\p{L}'\-]+\s){1,3}(?:Street|Avenue|Road|Boulevard|Lane|Drive|Parkway|Turnpike|Highway))\b/dgu;

const COUNTRIES =
  'Afghanistan|Albania|Algeria|Argentina|Armenia|Australia|Austria|Belgium|Brazil|Bulgaria|Canada|Chile|China|Colombia|' +
  'Croatia|Cyprus|Czech Republic|Czechia|Denmark|Egypt|Estonia|Finland|France|Germany|Greece|Greenland|Greenlander|' +
  'Hungary|Iceland|India|Indonesia|Ireland|Israel|Italy|Japan|Kenya|Latvia|Lithuania|Luxembourg|Malaysia|Malta|Mexico|' +
  'Morocco|Netherlands|New Zealand|Nigeria|Norway|Pakistan|Peru|Philippines|Poland|Portugal|Romania|Russia|Serbia|' +
  'Singapore|Slovakia|Slovenia|South Africa|South Korea|Spain|Sweden|Switzerland|Taiwan|Thailand|Turkey|Ukraine|' +
  'United Kingdom|United States|USA|Uruguay|Vietnam';
const COUNTRY_ZIP_RE = new RegExp(String.raw`\b(?:${COUNTRIES}),?\s{1,3}(\d{3,6}(?:-\d{3,4})?|[A-Z]\d[A-Z] ?\d[A-Z]\d)\b`, 'g');

/**
 * Address blocks continue over short following lines (city, region, postal code); extend a hit
 * over up to four of them, allowing one blank line, stopping at labels, e-mail, URLs and phones.
 */
function extendBlock(t: string, end: number): number {
  let e = end;
  let lines = 0;
  let blank = 0;
  while (lines < 4) {
    const nl = t.indexOf('\n', e);
    if (nl === -1 || t.slice(e, nl).trim() !== '') break;
    const next = t.indexOf('\n', nl + 1);
    const lineEnd = next === -1 ? t.length : next;
    const line = t.slice(nl + 1, lineEnd).replace(/^[\s>?]+/, '').trimEnd();
    if (line === '') {
      if (blank++ > 0) break;
      e = nl + 1;
      continue;
    }
    if (line.length > 40 || /[:@]|\/\/|\d{3}[ .\-)]+\d{3}|office|fax|mobile|phone/i.test(line)) break;
    if (line.replace(/\D/g, '').length >= 7) break;
    e = lineEnd - (t.slice(nl + 1, lineEnd).length - t.slice(nl + 1, lineEnd).trimEnd().length);
    lines++;
  }
  return e;
}

const LINE_WORDS = ['address', 'lives', 'living', 'located', 'reside', 'staying', 'moved'];
const ZIP_WORDS = ['zip', 'postal code', 'post code', 'postcode'];
const UNIT_WORDS = ['apt', 'apartment', 'suite', 'ste ', 'ste.', 'unit'];
const BOX_WORDS = ['box', 'apo', 'fpo', 'dpo'];
const CORNER_WORDS = ['corner of'];
const STREET_WORDS = ['street', 'avenue', 'road', 'boulevard', 'lane', 'drive', 'parkway', 'turnpike', 'highway'];
// Every literal EU_STREET_RE and COUNTRY_ZIP_RE need, lower-cased: without one they cannot match,
// so most text skips both regexes.
const EU_STREET_WORDS = [
  'straße', 'strasse', 'gasse', 'weg', 'vej', 'veien', 'vegen', 'gata', 'gatan', 'vägen', 'katu', 'tie', 'laan', 'straat',
  'allee', 'platz', 'plein', 'gade', 'utca', 'ulica', 'cesta', 'iela', 'stræde', 'vænget', 'bakken', 'str.', 'gate', 'út',
  'tér', 'rue', 'via', 'calle', 'avenida', 'rua', 'piazza', 'paseo', 'carrer', 'viale', 'corso', 'chemin', 'rúa', 'plac', 'c/',
];
const COUNTRY_WORDS = COUNTRIES.toLowerCase().split('|');
const LINE_KEYWORDS = registerKeywords(LINE_WORDS);
const ZIP_KEYWORDS = registerKeywords(ZIP_WORDS);
const UNIT_KEYWORDS = registerKeywords(UNIT_WORDS);
const BOX_KEYWORDS = registerKeywords(BOX_WORDS);
const CORNER_KEYWORDS = registerKeywords(CORNER_WORDS);
const STREET_KEYWORDS = registerKeywords(STREET_WORDS);
const EU_STREET_KEYWORDS = registerKeywords(EU_STREET_WORDS);
const COUNTRY_KEYWORDS = registerKeywords(COUNTRY_WORDS);

/**
 * LINE_STREET_RE at the start of each line whose first token (after indentation or quote marks) is
 * a house number; m.index is the line start.
 */
function eachLineStreet(input: ScanInput, out: PiiHit[], fn: MatchHandler): void {
  const t = input.text;
  const runs = input.digitRuns;
  for (let r = 0; r < runs.length; r += 2) {
    if (runs[r + 1] - runs[r] > 6) continue;
    let p = runs[r];
    while (p > 0 && LINE_INDENT.includes(t[p - 1])) p--;
    if (p > 0 && t[p - 1] !== '\n') continue;
    LINE_STREET_RE.lastIndex = p;
    const m = LINE_STREET_RE.exec(t);
    if (m !== null) fn(m, input, out);
  }
}
const LINE_INDENT = ' \t>?';

/** An address at [s, e), extended over the short lines that continue its block. */
function pushAddress(input: ScanInput, out: PiiHit[], s: number, e: number): void {
  out.push({ type: 'ADDRESS', start: s, end: extendBlock(input.text, e), rank: RANK_CONTEXT, confidence: 'MEDIUM' });
}

// Handlers for matches that are the address, or whose first group is (module-level: no closure per scan).
const onWhole: MatchHandler = (m, input, out) => pushAddress(input, out, m.index, m.index + m[0].length);
const onGroup: MatchHandler = (m, input, out) => {
  const span = groupSpan(m, 1);
  if (span) pushAddress(input, out, span[0], span[1]);
};

const AFTER_CUE_STREET_AT = { offsets: [0], minRun: 2, maxRun: 6, accept: (s: string, runs: readonly number[], r: number) => isBlank(s.charCodeAt(runs[r + 1])) };
const STATE_ZIP_AT = { offsets: [3, 4], minRun: 5, maxRun: 5, lead: isUpper };

export const scanAddresses: Scanner = (input, out) => {
  const t = input.text;
  if (input.digits === 0) return;
  eachLineStreet(input, out, onGroup);
  eachMatchAt(input, AFTER_CUE_STREET_RE, AFTER_CUE_STREET_AT, onGroup, out);
  if (hasKeyword(input, CORNER_KEYWORDS)) {
    const cw = keywordWindows(input, CORNER_KEYWORDS, 8, 130);
    if (cw) eachMatchIn(CORNER_RE, t, cw, 0, (m) => onWhole(m, input, out));
  }
  const streetWords = keywordWindows(input, STREET_KEYWORDS, 80, 8);
  if (streetWords) eachMatchIn(NAMED_STREET_RE, t, streetWords, 0, (m) => onGroup(m, input, out));
  if (hasKeyword(input, COUNTRY_KEYWORDS)) eachMatchIn(COUNTRY_ZIP_RE, t, input.addressWindows, 3, (m) => onWhole(m, input, out));
  eachMatchAt(input, US_STREET_RE, US_STREET_AT, onWhole, out);
  if (hasKeyword(input, EU_STREET_KEYWORDS)) eachMatchIn(EU_STREET_RE, t, input.addressWindows, 1, (m) => onWhole(m, input, out));
  if (hasKeyword(input, UNIT_KEYWORDS)) eachMatchIn(UNIT_RE, t, input.addressWindows, 1, (m) => onWhole(m, input, out));
  if (hasKeyword(input, BOX_KEYWORDS)) eachMatchIn(PO_BOX_RE, t, input.addressWindows, 1, (m) => onWhole(m, input, out));
  eachMatchAt(input, STATE_ZIP_RE, STATE_ZIP_AT, onWhole, out);
  if (hasKeyword(input, ZIP_KEYWORDS)) eachMatchIn(ZIP_CTX_RE, t, input.addressWindows, 3, (m) => onGroup(m, input, out));
  const lineCtx = keywordWindows(input, LINE_KEYWORDS, 24, 130);
  if (lineCtx) {
    eachMatchIn(LINE_CTX_RE, t, lineCtx, 0, (m) => {
      const span = groupSpan(m, 1);
      if (!span) return;
      const v = t.slice(span[0], span[1]);
      // An address line carries a house, unit or postal number; "address: the issue" does not.
      if (!/\d/.test(v) || /@|:\/\//.test(v)) return;
      pushAddress(input, out, span[0], span[1]);
    });
  }
};
