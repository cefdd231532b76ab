import type { LimitStage } from '../pipeline/stages.js';
import type { RequestContext } from '../pipeline/context.js';
import { RampartError } from '../errors.js';
import { priceOf, type CompiledLimits, type CompiledRule } from './compile.js';
import { countWithin, estimateTokens, measureInput } from './tokens.js';
import { rateLimitHeaders, type Labelled } from './headers.js';
import { StoreUnavailableError, type AdmitResult, type Adjustment, type Check, type LimitStore } from './types.js';
import type { AlertSink } from './alerts.js';
import type { Price } from './schema.js';

export type LimitKind = 'rpm' | 'tpm' | 'concurrency' | 'budget_day' | 'budget_month' | 'max_input_tokens' | 'max_output_tokens' | 'store_unavailable';

export interface LimitStageOptions {
  /** The compiled rules; a function so a config reload takes effect without a new stage. */
  limits: CompiledLimits | ((ctx: RequestContext) => CompiledLimits);
  store: LimitStore;
  alerts?: AlertSink;
  /** Metrics hook (src/metrics: metrics.limitHit). */
  onLimitHit?: (ruleId: string, kind: LimitKind) => void;
  now?: () => number;
}

interface Reservation {
  checks: Labelled[];
  /** Tokens reserved against tpm (input estimate + requested max output). */
  tokens: number;
  /** Micro-dollars reserved against budgets. */
  cost: number;
  limits: CompiledLimits;
}

const MINUTE = 60_000;

/**
 * Admission: every rule that applies must pass, all at once, in one store call. Input tokens are
 * counted before the call (exactly only when near a max-input limit), the largest possible cost
 * is reserved against budgets, and `settle` corrects both with the real usage off the response path.
 */
export function createLimitStage(opts: LimitStageOptions): LimitStage {
  const { store } = opts;
  const now = opts.now ?? Date.now;
  const getLimits = typeof opts.limits === 'function' ? opts.limits : () => opts.limits as CompiledLimits;
  const held = new WeakMap<RequestContext, Reservation>();
  const hit = opts.onLimitHit ?? (() => {});
  /** Thresholds already alerted (counter key + threshold -> period end): a settle can lower a
   * counter below a threshold it crossed with its reservation, and crossing again must not repeat. */
  const fired = new Map<string, number>();

  const decide = (ctx: RequestContext, res: Reservation, r: AdmitResult): void => {
    if (!r.admitted) {
      let resetMs = 0;
      r.results.forEach((x, i) => {
        if (x.ok) return;
        resetMs = Math.max(resetMs, x.resetMs);
        hit(res.checks[i].ruleId, res.checks[i].label);
      });
      throw new RampartError('rate_limited', {
        message: refusal(res.checks, r),
        retryAfter: Math.max(1, Math.ceil(resetMs / 1000)),
        headers: rateLimitHeaders(res.checks, r.results),
      });
    }
    held.set(ctx, res);
    if (opts.alerts && res.limits.thresholds.length > 0) alertCrossings(res, r, opts.alerts, fired);
  };

  return {
    name: 'limit',
    run(ctx) {
      const limits = getLimits(ctx);
      if (limits.rules.length === 0) return;
      const model = ctx.model?.name ?? ctx.chat?.model ?? ctx.embed?.model ?? '';
      // Each applicable rule with the subject values it counts this request under.
      const rules: CompiledRule[] = [];
      const subs: string[][] = [];
      for (const r of limits.rules) {
        if (r.models && !r.models.has(model)) continue;
        const s = subjects(ctx, r);
        if (s.length === 0) continue;
        rules.push(r);
        subs.push(s);
      }
      if (rules.length === 0) return;

      // Per-request maxima: local decisions, no store involved.
      const size = measureInput(ctx.chat, ctx.embed);
      let inputTokens: number | undefined;
      for (const r of rules) {
        if (r.maxInputTokens === undefined) continue;
        const c = countWithin(size, r.maxInputTokens);
        if (!c) {
          hit(r.id, 'max_input_tokens');
          throw new RampartError('bad_request', { message: `The input exceeds the limit of ${r.maxInputTokens} tokens (rule ${r.id}).`, param: 'messages' });
        }
        if (c.exact) inputTokens = c.tokens;
      }
      if (ctx.chat) {
        for (const r of rules) {
          if (r.maxOutputTokens === undefined) continue;
          const asked = ctx.chat.maxTokens;
          if (asked !== undefined && asked <= r.maxOutputTokens) continue;
          if (r.onMaxOutputTokens === 'reject' && asked !== undefined) {
            hit(r.id, 'max_output_tokens');
            throw new RampartError('bad_request', { message: `max tokens may be at most ${r.maxOutputTokens} (rule ${r.id}).`, param: 'max_tokens' });
          }
          ctx.chat.maxTokens = r.maxOutputTokens;
        }
      }
      inputTokens ??= estimateTokens(size);
      const maxOut = ctx.chat ? (ctx.chat.maxTokens ?? limits.defaultMaxOutputTokens) : 0;
      const tokens = inputTokens + (ctx.chat?.maxTokens ?? 0);

      let cost = 0;
      if (limits.budgets) {
        const price = maxPrice(limits, ctx);
        if (!price && rules.some((r) => r.dailyMicroUsd !== undefined || r.monthlyMicroUsd !== undefined)) {
          // Fail closed: a budget that cannot be priced cannot be enforced.
          throw new RampartError('forbidden', { message: `No price is configured for model '${model}', so its budget cannot be enforced.` });
        }
        if (price) cost = Math.ceil(inputTokens * price.input + maxOut * price.output);
      }

      const t = now();
      const checks: Labelled[] = [];
      for (let i = 0; i < rules.length; i++) {
        const r = rules[i];
        for (const s of subs[i]) {
          const base = `${r.id}:${s}`;
          if (r.rpm) checks.push({ kind: 'window', key: `${base}:rpm`, limit: r.rpm, amount: 1, windowMs: MINUTE, ruleId: r.id, label: 'rpm', subject: s });
          if (r.tpm) checks.push({ kind: 'window', key: `${base}:tpm`, limit: r.tpm, amount: tokens, windowMs: MINUTE, adjustable: true, ruleId: r.id, label: 'tpm', subject: s });
          if (r.concurrency) checks.push({ kind: 'concurrency', key: `${base}:conc`, limit: r.concurrency, leaseMs: limits.concurrencyLeaseMs, ruleId: r.id, label: 'concurrency', subject: s });
          if (r.dailyMicroUsd !== undefined) {
            const p = period(t, 'day');
            checks.push({ kind: 'budget', key: `${base}:d:${p.id}`, limit: r.dailyMicroUsd, amount: cost, expireAt: p.end, ruleId: r.id, label: 'budget_day', subject: s });
          }
          if (r.monthlyMicroUsd !== undefined) {
            const p = period(t, 'month');
            checks.push({ kind: 'budget', key: `${base}:m:${p.id}`, limit: r.monthlyMicroUsd, amount: cost, expireAt: p.end, ruleId: r.id, label: 'budget_month', subject: s });
          }
        }
      }
      if (checks.length === 0) return;
      const res: Reservation = { checks, tokens, cost, limits };
      const fail = (err: unknown): never => {
        if (err instanceof StoreUnavailableError) {
          hit('store', 'store_unavailable');
          throw new RampartError('upstream_unavailable', { message: 'The rate-limit store is unavailable.', retryAfter: 1, cause: err });
        }
        throw err;
      };
      let r: AdmitResult | Promise<AdmitResult>;
      try { r = store.admit(ctx.requestId, checks); } catch (err) { return fail(err); }
      if (r instanceof Promise) return r.then((x) => decide(ctx, res, x), fail);
      decide(ctx, res, r);
    },

    settle(ctx) {
      const res = held.get(ctx);
      if (!res) return;
      held.delete(ctx);
      const u = ctx.usage;
      const used = u ? u.inputTokens + u.outputTokens : 0;
      let actualCost = 0;
      if (res.cost > 0 && u) {
        const price = ctx.model ? priceOf(res.limits, ctx.model.name, ctx.deployment) ?? maxPrice(res.limits, ctx) : undefined;
        if (price) {
          const cached = u.cacheReadTokens ?? 0;
          actualCost = Math.ceil((u.inputTokens - cached) * price.input + cached * (price.cachedInput ?? price.input) + u.outputTokens * price.output);
        }
      }
      const adj: Adjustment[] = [];
      for (const c of res.checks) {
        if (c.label === 'tpm') adj.push({ kind: 'window', key: c.key, delta: used - res.tokens });
        else if (c.kind === 'concurrency') adj.push({ kind: 'concurrency', key: c.key });
        else if (c.kind === 'budget') adj.push({ kind: 'budget', key: c.key, delta: actualCost - res.cost });
      }
      const needed = adj.filter((a) => a.kind === 'concurrency' || a.delta !== 0);
      if (needed.length > 0) store.settle(ctx.requestId, needed);
    },
  };
}

/** The subject values a rule counts this request under (none: the rule does not apply). */
function subjects(ctx: RequestContext, r: CompiledRule): string[] {
  const p = ctx.principal;
  let vals: (string | undefined)[];
  switch (r.on) {
    case 'key': vals = [p?.keyId]; break;
    case 'user': vals = [p?.id]; break;
    case 'team': vals = [p?.team]; break;
    case 'application': vals = [p?.application]; break;
    case 'role': vals = p?.roles ?? []; break;
    case 'model': vals = [ctx.model?.name]; break;
    case 'global': vals = ['*']; break;
  }
  const out: string[] = [];
  for (const v of vals) if (v !== undefined && (r.match === undefined || v === r.match)) out.push(`${r.on}=${v}`);
  return out;
}

/** Before the route is chosen the deployment is unknown: reserve at the dearest one. */
function maxPrice(limits: CompiledLimits, ctx: RequestContext): Price | undefined {
  const m = ctx.model;
  if (!m) return undefined;
  let best: Price | undefined;
  for (const d of m.deployments) {
    const p = priceOf(limits, m.name, d);
    if (!p) return undefined; // one unpriced deployment makes the maximum unknown
    best = { input: Math.max(p.input, best?.input ?? 0), output: Math.max(p.output, best?.output ?? 0) };
  }
  return best ?? priceOf(limits, m.name);
}

const periodCache = { day: { id: '', end: 0, start: 0 }, month: { id: '', end: 0, start: 0 } };

/** UTC calendar periods; cached because every request asks. */
export function period(t: number, kind: 'day' | 'month'): { id: string; end: number } {
  const c = periodCache[kind];
  if (t >= c.start && t < c.end) return c;
  const d = new Date(t);
  const y = d.getUTCFullYear(), m = d.getUTCMonth();
  const start = kind === 'day' ? Date.UTC(y, m, d.getUTCDate()) : Date.UTC(y, m, 1);
  const end = kind === 'day' ? Date.UTC(y, m, d.getUTCDate() + 1) : Date.UTC(y, m + 1, 1);
  const id = new Date(start).toISOString().slice(0, kind === 'day' ? 10 : 7);
  periodCache[kind] = { id, start, end };
  return periodCache[kind];
}

function refusal(checks: Labelled[], r: AdmitResult): string {
  const i = r.results.findIndex((x) => !x.ok);
  const c = checks[i];
  const what = c.label === 'rpm' ? 'requests per minute' : c.label === 'tpm' ? 'tokens per minute' : c.label === 'concurrency' ? 'concurrent requests' : c.label === 'budget_day' ? 'daily budget' : 'monthly budget';
  return `Rate limit exceeded: ${what} (rule ${c.ruleId}).`;
}

function alertCrossings(res: Reservation, r: AdmitResult, sink: AlertSink, fired: Map<string, number>): void {
  res.checks.forEach((c, i) => {
    if (c.kind !== 'budget' || c.amount === 0) return;
    const before = r.results[i].used / c.limit;
    const after = (r.results[i].used + c.amount) / c.limit;
    for (const th of res.limits.thresholds) {
      if (before < th && after >= th) {
        const key = `${c.key}@${th}`;
        if (fired.has(key)) continue;
        if (fired.size > 10_000) { const t = Date.now(); for (const [k, end] of fired) if (end <= t) fired.delete(k); }
        fired.set(key, c.expireAt);
        sink({ ruleId: c.ruleId, subject: c.subject, period: c.label === 'budget_day' ? 'day' : 'month', threshold: th, usedUsd: (r.results[i].used + c.amount) / 1e6, limitUsd: c.limit / 1e6 });
      }
    }
  });
}

