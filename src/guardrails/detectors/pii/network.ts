/**
 * Network identifiers: e-mail, URL (with scheme, www., or a bare domain on a known TLD), IPv4,
 * IPv6, MAC. E-mail and bare domains are found from their anchor ('@', '.tld') and expanded by
 * hand, which keeps the scan linear even on long runs of word characters.
 */
import { eachMatchAt, eachMatchIn, registerKeywords, RANK_CONTEXT, RANK_FORMAT, type MatchHandler, type PiiHit, type Scanner } from './scan.js';

function isLocalChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45;
}
function isHostChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 45 || c === 46;
}
function isAlpha(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}

export const scanEmails: Scanner = (input, out) => {
  const t = input.text;
  for (let at = t.indexOf('@'); at !== -1; at = t.indexOf('@', at + 1)) {
    let s = at;
    while (s > 0 && at - s < 64 && isLocalChar(t.charCodeAt(s - 1))) s--;
    while (s < at && t.charCodeAt(s) === 46) s++; // a local part does not start with '.'
    if (s === at) continue;
    let e = at + 1;
    while (e < t.length && e - at < 255 && isHostChar(t.charCodeAt(e))) e++;
    while (e > at + 1 && (t.charCodeAt(e - 1) === 46 || t.charCodeAt(e - 1) === 45)) e--; // sentence-final '.'
    const host = t.slice(at + 1, e);
    const dot = host.lastIndexOf('.');
    if (dot <= 0) continue;
    const tld = host.slice(dot + 1);
    if (tld.length < 2 || !isAlpha(tld.charCodeAt(0)) || !isAlpha(tld.charCodeAt(tld.length - 1))) continue;
    out.push({ type: 'EMAIL', start: s, end: e, rank: RANK_FORMAT + 1, confidence: 'HIGH' });
  }
};

// URL schemes, lower case: matched case-insensitively, read backwards from "://".
const SCHEMES = ['https', 'http', 'ftp', 'wss', 'ws', 'file'];
const URL_TAIL_RE = /[^\s<>"'`)\]}]{1,2048}/y;
// A curated TLD list: every TLD would make "file.py" or "e.g" a URL.
const TLD_RE =
  /\.(?:com|org|net|edu|gov|mil|int|info|biz|io|ai|co|dev|app|me|tv|us|uk|de|fr|es|it|nl|be|ch|at|se|no|dk|fi|pl|cz|hu|ru|ua|jp|cn|kr|in|au|nz|ca|br|mx|ar|cl|za|ie|pt|gr|tr|il|sg|hk|tw|eu|xyz|online|site|tech|store|cloud|uy|is|ro|sk|si|hr|lt|lv|ee|lu|ly|gl|fo)(?![A-Za-z0-9\-])/g;

// The same, sticky, tried at each '.' followed by a lower-case letter (TLDs are lower case): a
// sentence's full stop is followed by a space, so few dots get as far as the regex.
const TLD_AT_RE = new RegExp(TLD_RE.source, 'y');

/**
 * Length of the scheme (one of SCHEMES, any case) that ends at `i`, or 0. No scheme is a suffix of
 * another, so at most one matches.
 */
function schemeBefore(t: string, i: number): number {
  for (const scheme of SCHEMES) {
    const s = i - scheme.length;
    if (s < 0) continue;
    let k = 0;
    // `| 32` lower-cases ASCII letters, and no other character becomes a letter by it.
    while (k < scheme.length && (t.charCodeAt(s + k) | 32) === scheme.charCodeAt(k)) k++;
    if (k === scheme.length) return k;
  }
  return 0;
}

function trimUrlEnd(t: string, s: number, e: number): number {
  while (e > s && '.,;:!?\'"'.includes(t[e - 1])) e--;
  return e;
}

/** Whether text[s, e) has an ASCII letter. */
function hasLetter(t: string, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (isAlpha(t.charCodeAt(i))) return true;
  return false;
}

/** Whether `start` lies in one of the [start, end) pairs of `covered` (flattened). */
function isCovered(covered: readonly number[], start: number): boolean {
  for (let k = 0; k < covered.length; k += 2) if (start >= covered[k] && start < covered[k + 1]) return true;
  return false;
}

// "www." in any case, from the pass that finds every detector's literals.
const WWW = registerKeywords(['www.']);

/** A URL from `start` whose tail begins at `from`, unless it starts inside one already found. */
function pushUrl(t: string, start: number, from: number, covered: number[], out: PiiHit[]): void {
  URL_TAIL_RE.lastIndex = from;
  if (!URL_TAIL_RE.test(t)) return;
  const end = trimUrlEnd(t, start, URL_TAIL_RE.lastIndex);
  if (isCovered(covered, start)) return;
  covered.push(start, end);
  out.push({ type: 'URL', start, end, rank: RANK_FORMAT, confidence: 'HIGH' });
}

export const scanUrls: Scanner = (input, out) => {
  const t = input.text;
  if (t.indexOf('.') === -1) return;
  // [start, end) of the URLs with a scheme or www., flattened.
  const covered: number[] = [];
  // Anchored on "://" and "www." found with indexOf; the scheme is read backwards from the anchor.
  for (let i = t.indexOf('://'); i !== -1; i = t.indexOf('://', i + 3)) {
    const len = schemeBefore(t, i);
    if (len === 0) continue;
    const start = i - len;
    if (start > 0 && /[A-Za-z0-9]/.test(t[start - 1])) continue;
    pushUrl(t, start, i + 3, covered, out);
  }
  const www = input.keywordHits[WWW.ids[0]];
  if (www !== undefined) {
    for (const i of www) {
      if (i > 0 && /[A-Za-z0-9\/.]/.test(t[i - 1])) continue;
      if (/^[A-Za-z0-9\-]{1,63}\./.test(t.slice(i + 4, i + 70))) pushUrl(t, i, i + 4, covered, out);
    }
  }
  // Bare domains: each '.' followed by a lower-case letter that starts a known TLD.
  for (let i = t.indexOf('.'); i !== -1; i = t.indexOf('.', i + 1)) {
    const c = t.charCodeAt(i + 1);
    if (c < 97 || c > 122) continue;
    TLD_AT_RE.lastIndex = i;
    // test, not exec: the match starts at i (sticky) and ends at lastIndex, and no array is built.
    if (!TLD_AT_RE.test(t)) continue;
    const tldEnd = TLD_AT_RE.lastIndex;
    const dot = i;
    i = tldEnd - 1;
    let s = dot;
    while (s > 0 && dot - s < 253 && isHostChar(t.charCodeAt(s - 1))) s--;
    while (s < dot && (t.charCodeAt(s) === 46 || t.charCodeAt(s) === 45)) s++;
    if (s === dot) continue;
    const before = s > 0 ? t.charCodeAt(s - 1) : 32;
    if (before === 64 || before === 47 || before === 95) continue; // e-mail host, path segment, identifier
    if (isCovered(covered, s)) continue;
    if (!hasLetter(t, s, dot)) continue;
    let e = tldEnd;
    if (t[e] === '/' || t[e] === ':') {
      while (e < t.length && !/[\s<>"'`)\]}]/.test(t[e]) && e - tldEnd < 2048) e++;
      e = trimUrlEnd(t, s, e);
    }
    out.push({ type: 'URL', start: s, end: e, rank: RANK_CONTEXT + 1, confidence: 'MEDIUM' });
  }
};

const OCTET = String.raw`(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)`;
const IPV4_RE = new RegExp(String.raw`(?<![\d.])${OCTET}(?:\.${OCTET}){3}(?!\d|\.\d)`, 'g');
// The same, sticky: it starts at a run of one to three digits (eachMatchAt).
const IPV4_AT_RE = new RegExp(IPV4_RE.source, 'y');
// Candidates only; the group rules are checked in code, which is simpler than the full grammar.
const IPV6_RE = /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|:|(?:\d{1,3}\.){3}\d{1,3})?(?![\w:])/g;
const VERSION_BEFORE = /(?:\bv|version\s?)$/i;

function ipv6Valid(s: string): boolean {
  const dbl = s.indexOf('::');
  if (dbl !== s.lastIndexOf('::')) return false;
  let body = s;
  let v4 = 0;
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    body = s.slice(0, lastColon + 1) + '0:0';
    v4 = 1;
  }
  const parts = body.split(':');
  if (dbl === -1) {
    if (parts.length !== 8) return false;
    if (parts.some((p) => p.length === 0 || p.length > 4)) return false;
  } else {
    const nonEmpty = parts.filter((p) => p.length > 0);
    if (nonEmpty.length > 7 || nonEmpty.some((p) => p.length > 4)) return false;
    // "::" alone, or "a::" text artefacts: require two groups, or the loopback ::1.
    if (nonEmpty.length < 2 && s !== '::1') return false;
  }
  return v4 === 0 || IPV4_RE.test((IPV4_RE.lastIndex = 0, s.slice(lastColon + 1)));
}

// A first octet followed by '.'.
const IPV4_AT = { offsets: [0], minRun: 1, maxRun: 3, accept: (s: string, runs: readonly number[], r: number) => s.charCodeAt(runs[r + 1]) === 46 };

const onIpv4: MatchHandler = (m, input, out) => {
  if (VERSION_BEFORE.test(input.text.slice(Math.max(0, m.index - 8), m.index))) return;
  out.push({ type: 'IP_ADDRESS', start: m.index, end: m.index + m[0].length, rank: RANK_FORMAT, confidence: 'HIGH' });
};

export const scanIps: Scanner = (input, out) => {
  const t = input.text;
  if (input.digits >= 4 && t.indexOf('.') !== -1) eachMatchAt(input, IPV4_AT_RE, IPV4_AT, onIpv4, out);
  // Most texts have no candidate at all, and then the digit windows need not be built.
  if (hasIpv6Hint(t)) {
    eachMatchIn(IPV6_RE, t, input.digitWindows, 2, (m) => {
      if (!ipv6Valid(m[0])) return;
      out.push({ type: 'IP_ADDRESS', start: m.index, end: m.index + m[0].length, rank: RANK_FORMAT, confidence: 'HIGH' });
    }, IPV6_HINT);
  }
};
// Every IPv6 candidate has '::' or a colon next to a hex digit; "https://" has neither.
const IPV6_HINT = /[0-9A-Fa-f]:|:[0-9A-Fa-f]|::/;

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/** IPV6_HINT on the whole text, by indexOf: texts have few colons, and a regex scan costs microseconds. */
function hasIpv6Hint(t: string): boolean {
  for (let i = t.indexOf(':'); i !== -1; i = t.indexOf(':', i + 1)) {
    const next = t.charCodeAt(i + 1);
    if (next === 58 || isHex(next) || (i > 0 && isHex(t.charCodeAt(i - 1)))) return true;
  }
  return false;
}

/**
 * Whether the text has the core of a MAC address anywhere: "hh:hh:" / "hh-hh-" or "hhhh.hhhh.",
 * found from the separators by indexOf (most '.' and '-' in prose fail the first check).
 */
function hasMacCandidate(t: string): boolean {
  for (const sep of [':', '-']) {
    for (let i = t.indexOf(sep); i !== -1; i = t.indexOf(sep, i + 1)) {
      if (t[i + 3] === sep && isHex(t.charCodeAt(i + 1)) && isHex(t.charCodeAt(i + 2)) && isHex(t.charCodeAt(i - 1)) && isHex(t.charCodeAt(i - 2))) return true;
    }
  }
  for (let i = t.indexOf('.'); i !== -1; i = t.indexOf('.', i + 1)) {
    if (t[i + 5] !== '.') continue;
    let hex = true;
    for (let k = 1; k <= 4 && hex; k++) hex = isHex(t.charCodeAt(i + k)) && isHex(t.charCodeAt(i - k));
    if (hex) return true;
  }
  return false;
}
const HAS_MAC_SEP = /[:\-.]/;

// The match starts at the first separator and looks back for the first group (and for what
// precedes it), so the engine only tries at ':', '-' and '.' instead of at every hex digit.
// m.index is 2 (xx:...) or 4 (xxxx.xxxx.xxxx) characters after the address starts.
const MAC_RE = /([:\-])(?<=(?<![\w:\-.])[0-9A-Fa-f]{2}.)[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}(?![\w:\-]|\.\w)|\.(?<=(?<![\w:\-.])[0-9A-Fa-f]{4}\.)[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}(?![\w:\-]|\.\w)/g;

export const scanMacs: Scanner = (input, out) => {
  const t = input.text;
  // Most texts have no candidate at all, and then the digit windows need not be built.
  if (!hasMacCandidate(t)) return;
  eachMatchIn(MAC_RE, t, input.digitWindows, 4, (m) => {
    const start = m.index - (m[1] === undefined ? 4 : 2);
    out.push({ type: 'MAC_ADDRESS', start, end: m.index + m[0].length, rank: RANK_FORMAT + 1, confidence: 'HIGH' });
  }, HAS_MAC_SEP);
};
