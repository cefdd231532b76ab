import type { Check, CheckResult } from './types.js';
import type { LimitKind } from './stage.js';

/** A check plus what it is, for answers, metrics and alerts. */
export type Labelled = Check & { ruleId: string; label: LimitKind; subject: string };

/** OpenAI's reset format: `20ms`, `1s`, `6m0s`. */
export function formatReset(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const s = Math.ceil(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${s % 60}s`;
}

/**
 * OpenAI-style x-ratelimit-* headers for the tightest requests and tokens windows that applied
 * (the faces turn rate_limited into each API's own 429 shape and carry these along).
 */
export function rateLimitHeaders(checks: readonly Labelled[], results: readonly CheckResult[]): Record<string, string> {
  const h: Record<string, string> = {};
  for (const [label, name] of [['rpm', 'requests'], ['tpm', 'tokens']] as const) {
    let best = -1;
    checks.forEach((c, i) => {
      if (c.label !== label) return;
      if (best < 0 || results[i].remaining < results[best].remaining || (!results[i].ok && results[best].ok)) best = i;
    });
    if (best < 0) continue;
    const c = checks[best], r = results[best];
    h[`x-ratelimit-limit-${name}`] = String(c.limit);
    h[`x-ratelimit-remaining-${name}`] = String(r.remaining);
    h[`x-ratelimit-reset-${name}`] = formatReset(r.resetMs);
  }
  return h;
}
