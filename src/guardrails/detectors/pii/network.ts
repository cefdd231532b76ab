/**
 * Network identifiers: e-mail, URL (with scheme, www., or a bare domain on a known TLD), IPv4,
 * IPv6, MAC. E-mail and bare domains are found from their anchor ('@', '.tld') and expanded by
 * hand, which keeps the scan linear even on long runs of word characters.
 */
import { eachMatchAt, eachMatchIn, registerKeywords, RANK_CONTEXT, RANK_FORMAT, type Scanner } from './scan.js';

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

const SCHEME_RE = /(?:https?|ftp|wss?|file)$/i;
const URL_TAIL_RE = /[^\s<>"'`)\]}]{1,2048}/y;
// A curated TLD list: every TLD would make "file.py" or "e.g" a URL.
const TLD_RE =
  /\.(?:com|org|net|edu|gov|mil|int|info|biz|io|ai|co|dev|app|me|tv|us|uk|de|fr|es|it|nl|be|ch|at|se|no|dk|fi|pl|cz|hu|ru|ua|jp|cn|kr|in|au|nz|ca|br|mx|ar|cl|za|ie|pt|gr|tr|il|sg|hk|tw|eu|xyz|online|site|tech|store|cloud|uy|is|ro|sk|si|hr|lt|lv|ee|lu|ly|gl|fo)(?![A-Za-z0-9\-])/g;

// The same, sticky, tried at each '.' followed by a lower-case letter (TLDs are lower case): a
// sentence's full stop is followed by a space, so few dots get as far as the regex.
const TLD_AT_RE = new RegExp(TLD_RE.source, 'y');

function eachTld(t: string, fn: (m: RegExpExecArray) => void): void {
  for (let i = t.indexOf('.'); i !== -1; i = t.indexOf('.', i + 1)) {
    const c = t.charCodeAt(i + 1);
    if (c < 97 || c > 122) continue;
    TLD_AT_RE.lastIndex = i;
    const m = TLD_AT_RE.exec(t);
    if (m !== null) {
      fn(m);
      i = m.index + m[0].length - 1;
    }
  }
}

function trimUrlEnd(t: string, s: number, e: number): number {
  while (e > s && '.,;:!?\'"'.includes(t[e - 1])) e--;
  return e;
}

// "www." in any case, from the pass that finds every detector's literals.
const WWW = registerKeywords(['www.']);

export const scanUrls: Scanner = (input, out) => {
  const t = input.text;
  if (t.indexOf('.') === -1) return;
  const covered: [number, number][] = [];
  const pushUrl = (start: number, from: number): void => {
    URL_TAIL_RE.lastIndex = from;
    const m = URL_TAIL_RE.exec(t);
    if (m === null) return;
    const end = trimUrlEnd(t, start, from + m[0].length);
    if (covered.some(([a, b]) => start >= a && start < b)) return;
    covered.push([start, end]);
    out.push({ type: 'URL', start, end, rank: RANK_FORMAT, confidence: 'HIGH' });
  };
  // Anchored on "://" and "www." found with indexOf; the scheme is read backwards from the anchor.
  for (let i = t.indexOf('://'); i !== -1; i = t.indexOf('://', i + 3)) {
    SCHEME_RE.lastIndex = 0;
    const m = SCHEME_RE.exec(t.slice(Math.max(0, i - 8), i));
    if (m === null) continue;
    const start = i - m[0].length;
    if (start > 0 && /[A-Za-z0-9]/.test(t[start - 1])) continue;
    pushUrl(start, i + 3);
  }
  for (const i of input.keywordHits[WWW.ids[0]] ?? []) {
    if (i > 0 && /[A-Za-z0-9\/.]/.test(t[i - 1])) continue;
    if (/^[A-Za-z0-9\-]{1,63}\./.test(t.slice(i + 4, i + 70))) pushUrl(i, i + 4);
  }
  eachTld(t, (m) => {
    const tldEnd = m.index + m[0].length;
    let s = m.index;
    while (s > 0 && m.index - s < 253 && isHostChar(t.charCodeAt(s - 1))) s--;
    while (s < m.index && (t.charCodeAt(s) === 46 || t.charCodeAt(s) === 45)) s++;
    if (s === m.index) return;
    const before = s > 0 ? t.charCodeAt(s - 1) : 32;
    if (before === 64 || before === 47 || before === 95) return; // e-mail host, path segment, identifier
    if (covered.some(([a, b]) => s >= a && s < b)) return;
    const label = t.slice(s, m.index);
    if (!/[A-Za-z]/.test(label)) return;
    let e = tldEnd;
    if (t[e] === '/' || t[e] === ':') {
      while (e < t.length && !/[\s<>"'`)\]}]/.test(t[e]) && e - tldEnd < 2048) e++;
      e = trimUrlEnd(t, s, e);
    }
    out.push({ type: 'URL', start: s, end: e, rank: RANK_CONTEXT + 1, confidence: 'MEDIUM' });
  });
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

export const scanIps: Scanner = (input, out) => {
  const t = input.text;
  if (input.digits >= 4 && t.indexOf('.') !== -1) {
    eachMatchAt(input, IPV4_AT_RE, { offsets: [0], minRun: 1, maxRun: 3, accept: (s, runs, r) => s.charCodeAt(runs[r + 1]) === 46 }, (m) => {
      if (VERSION_BEFORE.test(t.slice(Math.max(0, m.index - 8), m.index))) return;
      out.push({ type: 'IP_ADDRESS', start: m.index, end: m.index + m[0].length, rank: RANK_FORMAT, confidence: 'HIGH' });
    });
  }
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
