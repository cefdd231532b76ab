/**
 * Credentials in text: cloud and SaaS API keys by their documented prefixes, JWTs, PEM private
 * keys, connection strings with a password, and `password=` / `api_key=` assignments whose value
 * looks random. Each rule is gated by literal substrings, all found in one Aho-Corasick pass that
 * the PII detector's keywords share (literals.ts), so prose pays for one scan plus the few rules
 * whose gate occurs. Keyword-led rules run only in a window after their keyword.
 */
import type { Detector, Finding } from '../types.js';
import { literalHits, registerLiterals } from './literals.js';
import { byNumber, DisjointIntervals, sortInPlace } from './intervals.js';

export const SECRETS_DETECTOR = 'secrets';

export type SecretType =
  | 'AWS_ACCESS_KEY' | 'AWS_SECRET_KEY' | 'GITHUB_TOKEN' | 'GITLAB_TOKEN' | 'SLACK_TOKEN' | 'SLACK_WEBHOOK'
  | 'STRIPE_KEY' | 'OPENAI_API_KEY' | 'ANTHROPIC_API_KEY' | 'GOOGLE_API_KEY' | 'GOOGLE_OAUTH_TOKEN' | 'JWT'
  | 'PRIVATE_KEY' | 'CONNECTION_STRING' | 'PASSWORD' | 'GENERIC_SECRET';

interface Rule {
  type: SecretType;
  /** Substrings (matched case-insensitively), any of which must occur. */
  gate: string[];
  /** Run only within this many characters after a gate occurrence (the regex starts at its keyword). */
  window?: number;
  re: RegExp;
  /** Capture group holding the secret itself; 0 = whole match. Needs the `d` flag when > 0. */
  group?: number;
  accept?: (value: string, text: string, start: number) => boolean;
  /** Moves the end of a match (for blocks whose end is found by search, not by the regex). */
  extend?: (text: string, end: number, m: RegExpExecArray) => number;
  /** Moves the start of an accepted match back (for prefixes checked in code, not by the regex). */
  rewind?: (text: string, start: number) => number;
}

/** Shannon entropy in bits per character. */
export function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** Values people write in examples and templates, not secrets. */
const PLACEHOLDER_RE =
  /^(?:\$\{.*\}|\{\{.*\}\}|<.*>|%\(.*\)s?|\*+|x+|\.+|changeme|change_me|password\d*|secret|example|your[_\-]?\w*|xxx\w*|null|none|true|false|undefined|env\[.*|process\.env.*|os\.environ.*)$/i;

function randomLooking(v: string): boolean {
  if (PLACEHOLDER_RE.test(v)) return false;
  const classes = Number(/[a-z]/.test(v)) + Number(/[A-Z]/.test(v)) + Number(/\d/.test(v)) + Number(/[^A-Za-z0-9]/.test(v));
  return classes >= 2 && entropy(v) >= 3;
}

const CONN_SCHEME_RE =
  /\b(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql|sqlserver|oracle|clickhouse|cockroachdb|ftp|sftp|smtps?|ldaps?|nats|kafka)(?:\+[a-z0-9]+)?$/i;

const RULES: Rule[] = [
  { type: 'AWS_ACCESS_KEY', gate: ['AKIA', 'ASIA', 'ABIA', 'ACCA', 'AROA', 'AIDA', 'AGPA', 'AIPA', 'ANPA', 'ANVA', 'APKA'],
    re: /\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z0-9]{16}\b/g },
  { type: 'AWS_SECRET_KEY', gate: ['aws', 'secret'], window: 160,
    re: /(?:aws|secret)[\w.\-]{0,30}["']?\s{0,3}[:=]{1,2}>?\s{0,3}["']?([A-Za-z0-9\/+]{40})(?![A-Za-z0-9\/+=])/gid, group: 1,
    accept: (v) => /[a-z]/.test(v) && /[A-Z]/.test(v) && /\d/.test(v) },
  { type: 'GITHUB_TOKEN', gate: ['gh', 'github_pat_'],
    re: /\b(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{50,255})\b/g },
  { type: 'GITLAB_TOKEN', gate: ['gl'], re: /\bgl(?:pat|dt|rt|ptt|cbt|imt|oas|soat|ft|agent)-[A-Za-z0-9_\-]{20,64}\b/g },
  { type: 'SLACK_TOKEN', gate: ['xox'], re: /\bxox[abeoprs]-(?:\d{1,16}-){1,3}[A-Za-z0-9\-]{10,128}\b/g },
  { type: 'SLACK_WEBHOOK', gate: ['hooks.slack.com'], re: /https:\/\/hooks\.slack\.com\/(?:services|workflows)\/[A-Za-z0-9_\/]{20,120}/g },
  { type: 'STRIPE_KEY', gate: ['_live_', '_test_'], re: /\b(?:sk|rk|pk|whsec)_(?:live|test)_[A-Za-z0-9]{20,247}\b/g,
    accept: (v) => !v.startsWith('pk_') },
  { type: 'ANTHROPIC_API_KEY', gate: ['sk-ant-'], re: /\bsk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_\-]{80,120}/g },
  { type: 'OPENAI_API_KEY', gate: ['sk-'],
    re: /\bsk-(?:(?:proj|svcacct|admin|None)-[A-Za-z0-9_\-]{20,200}|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}|[A-Za-z0-9]{48})(?![A-Za-z0-9_\-])/g },
  { type: 'GOOGLE_API_KEY', gate: ['AIza'], re: /\bAIza[0-9A-Za-z_\-]{35}(?![0-9A-Za-z_\-])/g },
  { type: 'GOOGLE_OAUTH_TOKEN', gate: ['ya29.', 'GOCSPX-'], re: /\bya29\.[0-9A-Za-z_\-]{20,2048}|\bGOCSPX-[0-9A-Za-z_\-]{28}\b/g },
  { type: 'JWT', gate: ['eyJ'], re: /\beyJ[A-Za-z0-9_\-]{5,2048}\.eyJ[A-Za-z0-9_\-]{5,8192}\.[A-Za-z0-9_\-]{0,2048}/g },
  { type: 'PRIVATE_KEY', gate: ['PRIVATE KEY'],
    re: /-----BEGIN ((?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?)-----/g,
    // The block runs to its END line; a truncated block (streamed output) still counts from BEGIN on.
    extend: (text, end, m) => {
      const close = `-----END ${m[1]}-----`;
      const at = text.indexOf(close, end);
      return at === -1 ? Math.min(text.length, end + 16384) : at + close.length;
    } },
  { type: 'CONNECTION_STRING', gate: ['://'],
    // Anchored on "://" (a literal the engine finds fast); the scheme is checked behind it in code.
    re: /:\/\/([^\s:\/@]{0,256}):([^\s@\/]{1,256})@[^\s\/?#"'`<>]{1,256}(?:[\/?#][^\s"'`<>]{0,1024})?/gd,
    accept: (v, text, start) => CONN_SCHEME_RE.test(text.slice(Math.max(0, start - 24), start)) && !PLACEHOLDER_RE.test(v.slice(v.indexOf(':', 3) + 1, v.lastIndexOf('@'))),
    rewind: (text, start) => {
      const from = Math.max(0, start - 24);
      const m = CONN_SCHEME_RE.exec(text.slice(from, start));
      return m ? from + m.index : start;
    } },
  { type: 'CONNECTION_STRING', gate: ['jdbc:', 'password=', 'pwd='],
    re: /\bjdbc:[a-z0-9]{2,20}:[^\s"'`]{0,512}?[;?&](?:password|pwd)=[^\s;&"'`]{1,256}|\b(?:server|data source|host)=[^;\n]{1,256};(?:[^;\n]{1,256};){0,8}?\s?(?:password|pwd)=[^;\s"'`]{1,256}/gi },
  { type: 'PASSWORD', gate: ['pass', 'pwd'], window: 300,
    re: /\b(?:password|passwd|pwd|pass)["']?\s{0,3}(?::=|=>|[:=])\s{0,3}["'`]?([^\s"'`,;]{6,256})/gid, group: 1, accept: (v) => randomLooking(v) },
  { type: 'GENERIC_SECRET', gate: ['key', 'token', 'secret', 'auth', 'bearer', 'credential'], window: 560,
    re: /\b(?:api[_\-]?key|apikey|access[_\-]?key|secret(?:[_\-]?key)?|client[_\-]?secret|access[_\-]?token|auth[_\-]?token|refresh[_\-]?token|token|bearer|private[_\-]?key|credentials?)["']?\s{0,3}(?::=|=>|[:=]|\s)\s{0,3}["'`]?([A-Za-z0-9_\-+\/=.~]{16,512})/gid, group: 1,
    accept: (v) => randomLooking(v) },
];

// Each gate literal's id (literals.ts) and the rules it gates. An array, not the Map it is built
// in: iterating a Map per scan allocates an [id, rules] entry per gate.
const gateRules = new Map<number, number[]>();
RULES.forEach((r, i) => {
  registerLiterals(r.gate).forEach((id) => {
    const rules = gateRules.get(id);
    if (rules === undefined) gateRules.set(id, [i]);
    else if (!rules.includes(i)) rules.push(i);
  });
});
const GATE_RULES = [...gateRules].map(([id, rules]) => ({ id, rules }));

function byStart(a: Finding, b: Finding): number {
  return (a.start ?? 0) - (b.start ?? 0);
}

// Per scan (scans do not nest), cleared at the start of each: which rules' gates occur, and where
// for the rules that run in windows.
const taken = new DisjointIntervals();
const gated: boolean[] = RULES.map(() => false);
const hitsByRule: (number[] | undefined)[] = RULES.map(() => undefined);

/** Runs `rule` over text[ws, we), keeping matches that no earlier rule took. */
function runRule(rule: Rule, text: string, ws: number, we: number, out: Finding[]): void {
  const sub = ws === 0 && we === text.length ? text : text.slice(ws, we);
  const g = rule.group ?? 0;
  rule.re.lastIndex = 0;
  for (let m = rule.re.exec(sub); m !== null; m = rule.re.exec(sub)) {
    let found0: number;
    let found1: number;
    if (g === 0) {
      found0 = m.index;
      found1 = m.index + m[0].length;
    } else {
      const pair = m.indices?.[g];
      if (!pair) continue;
      found0 = pair[0];
      found1 = pair[1];
    }
    let start = found0 + ws;
    const end = rule.extend ? rule.extend(text, found1 + ws, m) : found1 + ws;
    if (rule.accept && !rule.accept(text.slice(start, end), text, start)) continue;
    if (rule.rewind) start = rule.rewind(text, start);
    // Rules overlap by design (a JWT inside `token=`); keep the first, most specific one.
    if (!taken.tryAdd(start, end)) continue;
    out.push({ detector: SECRETS_DETECTOR, type: rule.type, start, end, confidence: 'HIGH' });
  }
}

export function createSecretsDetector(): Detector {
  return {
    name: SECRETS_DETECTOR,
    scan(text: string): Finding[] {
      const out: Finding[] = [];
      taken.clear();
      gated.fill(false);
      hitsByRule.fill(undefined);
      const literals = literalHits(text);
      for (const { id, rules } of GATE_RULES) {
        const starts = literals[id];
        if (starts === undefined) continue;
        for (const r of rules) {
          gated[r] = true;
          if (RULES[r].window !== undefined) for (const h of starts) (hitsByRule[r] ??= []).push(h);
        }
      }
      for (let ri = 0; ri < RULES.length; ri++) {
        if (!gated[ri]) continue;
        const rule = RULES[ri];
        const hits = hitsByRule[ri];
        if (rule.window === undefined) {
          runRule(rule, text, 0, text.length, out);
          continue;
        }
        if (hits === undefined) continue;
        // Merged [start, end) windows after each keyword hit, run as they are merged.
        sortInPlace(hits, byNumber);
        let ws = -1;
        let we = -1;
        for (const h of hits) {
          const s = Math.max(0, h - 8);
          const e = Math.min(text.length, h + rule.window);
          if (ws !== -1 && s <= we) we = Math.max(we, e);
          else {
            if (ws !== -1) runRule(rule, text, ws, we, out);
            ws = s;
            we = e;
          }
        }
        runRule(rule, text, ws, we, out);
      }
      return sortInPlace(out, byStart);
    },
  };
}
