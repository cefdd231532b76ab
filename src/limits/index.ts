import type { LimitStoreConfig } from './schema.js';
import type { LimitStore } from './types.js';
import { MemoryLimitStore } from './memory-store.js';
import { FallbackLimitStore } from './fallback-store.js';

export interface OpenLimitStoreOptions {
  logger?: { warn(obj: object, msg: string): void };
}

/**
 * The store outlives config reloads (counters must survive them); open it once at start.
 * Redis being down at start is not fatal: requests get the configured mode until it is back.
 */
export async function openLimitStore(cfg: LimitStoreConfig, opts: OpenLimitStoreOptions = {}): Promise<LimitStore> {
  if (cfg.kind === 'memory') return new MemoryLimitStore();
  const log = opts.logger;
  // Loaded only when configured: ioredis alone adds ~14 MB to an idle gateway.
  const { RedisLimitStore } = await import('./redis-store.js');
  const redis = new RedisLimitStore({
    url: cfg.url,
    keyPrefix: cfg.keyPrefix,
    commandTimeoutMs: cfg.commandTimeoutMs,
    onSettleError: (err) => log?.warn({ event: 'limit_settle_failed', err: errMessage(err) }, 'rate-limit settle failed'),
  });
  if (!(await redis.connect())) log?.warn({ event: 'limit_store_unavailable', mode: cfg.onUnavailable }, 'redis limit store unreachable at start');
  if (cfg.onUnavailable === 'fail-closed') return redis;
  let last = 0;
  return new FallbackLimitStore(redis, new MemoryLimitStore(), (err) => {
    // One line per 10 s is enough to say we are on local limits.
    const t = Date.now();
    if (t - last > 10_000) { last = t; log?.warn({ event: 'limit_store_local', err: errMessage(err) }, 'redis unavailable: enforcing local limits'); }
  });
}

function errMessage(err: unknown): string {
  const e = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  return e instanceof Error ? e.message : String(e);
}

export { MemoryLimitStore } from './memory-store.js';
export type { RedisLimitStore } from './redis-store.js';
export { FallbackLimitStore } from './fallback-store.js';
export { createLimitStage, type LimitStageOptions, type LimitKind } from './stage.js';
export { compileLimits, checkPrices, type CompiledLimits } from './compile.js';
export { createAlertSink, type AlertSink, type BudgetAlert } from './alerts.js';
export { LimitsSchema, type LimitsConfig } from './schema.js';
export type { LimitStore } from './types.js';
