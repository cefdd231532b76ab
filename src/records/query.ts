/**
 * Query filters for `rampart logs query`, `rampart audit query` and the admin API: parsed from strings (flags or a
 * query string) into a RecordsFilter, with an error that names the offending filter and what it accepts.
 */
import type { RecordsFilter } from '../store/records-types.js';

export class FilterError extends Error {
  override readonly name = 'FilterError';
}

const DURATION = /^(\d+)(ms|s|m|h|d|w)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const NAME = /^[A-Za-z0-9_.:@\-/#+]{1,256}$/;

/** An ISO 8601 instant, or a duration ("15m", "24h", "7d") meaning that long before `now`. */
export function parseInstant(flag: string, v: string, now: Date): Date {
  const d = DURATION.exec(v);
  if (d) return new Date(now.getTime() - Number(d[1]) * UNIT_MS[d[2]]);
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(v)) {
    const t = new Date(v);
    if (!Number.isNaN(t.getTime())) return t;
  }
  throw new FilterError(`${flag}: "${v}" is not a time; use ISO 8601 (2026-01-31T12:00:00Z) or a duration such as 15m, 24h, 7d`);
}

export const FILTER_NAMES = [
  'since', 'until', 'principal', 'application', 'model', 'action', 'decision', 'guardrail-action', 'error-code', 'limit',
] as const;

/**
 * `kind` decides which filters apply: model and guardrail-action filter invocation records only. Unknown names are
 * errors, not ignored: a misspelt filter must not widen an auditor's query.
 */
export function parseFilter(
  params: ReadonlyMap<string, string> | Record<string, string | undefined>,
  kind: 'invocation' | 'audit',
  now = new Date(),
): RecordsFilter {
  const entries = params instanceof Map ? [...params.entries()] : Object.entries(params);
  const f: RecordsFilter = {};
  for (const [name, raw] of entries) {
    if (raw === undefined) continue;
    const v = String(raw).trim();
    const flag = `--${name}`;
    if (v === '') throw new FilterError(`${flag} needs a value`);
    switch (name) {
      case 'since':
        f.since = parseInstant(flag, v, now);
        break;
      case 'until':
        f.until = parseInstant(flag, v, now);
        break;
      case 'principal':
        f.principalId = name_(flag, v);
        break;
      case 'application':
        f.application = name_(flag, v);
        break;
      case 'action':
        f.action = name_(flag, v);
        break;
      case 'error-code':
        f.errorCode = name_(flag, v);
        break;
      case 'model':
        if (kind !== 'invocation') throw new FilterError(`${flag} filters invocation logs (rampart logs query), not audit events`);
        f.model = name_(flag, v);
        break;
      case 'decision':
        if (v !== 'allow' && v !== 'deny') throw new FilterError(`${flag}: "${v}" must be allow or deny`);
        f.decision = v;
        break;
      case 'guardrail-action': {
        if (kind !== 'invocation') throw new FilterError(`${flag} filters invocation logs (rampart logs query), not audit events`);
        const a = v.toUpperCase();
        if (a !== 'NONE' && a !== 'INTERVENED' && a !== 'ANONYMIZED') {
          throw new FilterError(`${flag}: "${v}" must be NONE, INTERVENED or ANONYMIZED`);
        }
        f.guardrailAction = a;
        break;
      }
      case 'limit': {
        const n = Number(v);
        if (!/^\d+$/.test(v) || n < 1 || n > 10_000) throw new FilterError(`${flag}: "${v}" must be an integer from 1 to 10000`);
        f.limit = n;
        break;
      }
      default:
        throw new FilterError(`unknown filter ${flag}; known: ${FILTER_NAMES.map((n) => `--${n}`).join(', ')}`);
    }
  }
  if (f.since && f.until && f.since.getTime() >= f.until.getTime()) {
    throw new FilterError('--since must be before --until');
  }
  return f;
}

function name_(flag: string, v: string): string {
  if (!NAME.test(v)) throw new FilterError(`${flag}: "${v.slice(0, 40)}" has characters a ${flag.slice(2)} cannot have`);
  return v;
}
