import type { CompiledModel } from '../config/compile.js';
import type { Deployment } from '../providers/types.js';
import type { LimitRule, LimitsConfig, LimitSubject, Price } from './schema.js';

/** A rule as the hot path reads it (model filter as a Set). */
export interface CompiledRule {
  id: string;
  on: LimitSubject;
  match?: string;
  models?: ReadonlySet<string>;
  rpm?: number;
  tpm?: number;
  concurrency?: number;
  maxInputTokens?: number;
  maxOutputTokens?: number;
  onMaxOutputTokens: 'clamp' | 'reject';
  dailyMicroUsd?: number;
  monthlyMicroUsd?: number;
}

export interface CompiledLimits {
  rules: readonly CompiledRule[];
  /** True when any rule has a budget (prices are then needed). */
  budgets: boolean;
  prices: ReadonlyMap<string, Price>;
  defaultMaxOutputTokens: number;
  concurrencyLeaseMs: number;
  thresholds: readonly number[];
}

export function compileLimits(cfg: LimitsConfig): CompiledLimits {
  const rules = cfg.rules.map(compileRule);
  return {
    rules,
    budgets: rules.some((r) => r.dailyMicroUsd !== undefined || r.monthlyMicroUsd !== undefined),
    prices: new Map(Object.entries(cfg.prices)),
    defaultMaxOutputTokens: cfg.defaultMaxOutputTokens,
    concurrencyLeaseMs: cfg.concurrencyLeaseMs,
    thresholds: [...cfg.alerts.thresholds].sort((a, b) => a - b),
  };
}

function compileRule(r: LimitRule): CompiledRule {
  const usd = (v: number | undefined) => (v === undefined ? undefined : Math.round(v * 1e6));
  return {
    id: r.id,
    on: r.on,
    match: r.match,
    models: r.models ? new Set(r.models) : undefined,
    rpm: r.rpm,
    tpm: r.tpm,
    concurrency: r.concurrency,
    maxInputTokens: r.maxInputTokens,
    maxOutputTokens: r.maxOutputTokens,
    onMaxOutputTokens: r.onMaxOutputTokens,
    dailyMicroUsd: usd(r.budget?.dailyUsd),
    monthlyMicroUsd: usd(r.budget?.monthlyUsd),
  };
}

/** A deployment's price: by deployment id, then upstream model id, then the logical model name. */
export function priceOf(limits: CompiledLimits, modelName: string, d?: Deployment): Price | undefined {
  if (d) return limits.prices.get(d.id) ?? limits.prices.get(d.upstreamModel) ?? limits.prices.get(modelName);
  return limits.prices.get(modelName);
}

/**
 * Start/reload-time check: with budgets configured, every deployment of every model must have a
 * price, or the budget could not be enforced (the stage would refuse those requests).
 * Returns human-readable problems; empty means fine.
 */
export function checkPrices(limits: CompiledLimits, models: Iterable<CompiledModel>): string[] {
  if (!limits.budgets) return [];
  const out: string[] = [];
  for (const m of models) {
    for (const d of m.deployments) {
      if (!priceOf(limits, m.name, d)) out.push(`limits.prices: no price for model "${m.name}" deployment "${d.id}" (budgets are configured)`);
    }
  }
  return out;
}
