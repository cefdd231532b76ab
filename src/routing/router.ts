import type { RouteStage } from '../pipeline/stages.js';
import type { RequestContext } from '../pipeline/context.js';
import type { CompiledModel } from '../config/compile.js';
import { RampartError } from '../errors.js';
import { RoutingSchema, type RoutingConfig } from './schema.js';
import { HealthRegistry } from './health.js';
import type { BreakerState } from './breaker.js';
import { EXPLORE_EVERY, orderCandidates, type Candidate } from './strategies.js';
import { backoffMs, RetryBudget, sleep } from './retry.js';
import { callOnce, classify, type AttemptOutcome } from './attempt.js';

export { weightedOrder } from './strategies.js';

/** Metrics hooks (src/metrics feeds Prometheus from these). */
export interface RouterHooks {
  attempt?(deploymentId: string, provider: string, outcome: AttemptOutcome, ms: number): void;
  breaker?(deploymentId: string, state: BreakerState): void;
  retry?(deploymentId: string, reason: AttemptOutcome): void;
}

export interface RouteDeps {
  /** The routing config; a function so a reload applies without a new stage (health carries over). */
  routing?: RoutingConfig | ((ctx: RequestContext) => RoutingConfig);
  hooks?: RouterHooks;
  /** Random source, injectable for tests. */
  random?: () => number;
  now?: () => number;
}

export interface Readiness {
  ok: boolean;
  breakers: Record<string, BreakerState>;
  /** Models none of whose deployments can take a call right now. */
  unavailableModels: string[];
}

export interface ResilientRouteStage extends RouteStage {
  readonly health: HealthRegistry;
  /** For /readyz: not ready when some model has every deployment's breaker open. */
  readiness(models?: Iterable<CompiledModel>): Readiness;
}

const DEFAULTS = RoutingSchema.parse({});

/**
 * Chooses deployments by strategy, calls them, and on a retryable failure (429, 5xx, timeouts,
 * connection errors; never client errors, guardrail blocks or a stream already flowing) falls
 * back to the next one, then retries tried ones after exponential backoff with full jitter,
 * honouring Retry-After, within the retry budget. Breakers keep failing deployments out.
 */
export function createRouteStage(deps: RouteDeps = {}): ResilientRouteStage {
  const random = deps.random ?? Math.random;
  const now = deps.now ?? Date.now;
  const hooks = deps.hooks ?? {};
  const getCfg = typeof deps.routing === 'function' ? deps.routing : () => (deps.routing as RoutingConfig | undefined) ?? DEFAULTS;
  const health = new HealthRegistry((id, s) => hooks.breaker?.(id, s));
  const budget = new RetryBudget(DEFAULTS.retries.budget.ratio, DEFAULTS.retries.budget.minPerSecond, now);
  let requests = 0;

  async function run(ctx: RequestContext): Promise<void> {
    const model = ctx.model;
    if (!model) throw new RampartError('model_not_found');
    const cfg = getCfg(ctx);
    budget.configure(cfg.retries.budget.ratio, cfg.retries.budget.minPerSecond);
    budget.deposit();
    // The providers of the config the request started under (a reload never swaps them mid-request).
    const providers = ctx.runtime.providers;
    const cands: Candidate[] = [];
    for (const d of model.deployments) if (d.weight > 0 && providers.has(d.provider)) cands.push({ d, h: health.get(d.id, cfg.breaker) });
    if (cands.length === 0) throw new RampartError('upstream_unavailable', { message: `No deployment of '${model.name}' is configured.` });
    const order = orderCandidates(cands, cfg.strategy, random, ++requests % EXPLORE_EVERY === 0);
    const tries = new Map<Candidate, number>();
    let last: unknown;

    for (let attempt = 0; attempt <= cfg.retries.max; attempt++) {
      const next = pick(order, tries, cfg, now(), random);
      if (!next) {
        if (attempt === 0) throw allOpen(order, now());
        break;
      }
      const { c, waitMs } = next;
      // A Retry-After longer than we are willing to wait: the caller gets the 429 (with its Retry-After) now.
      if (waitMs > cfg.retries.maxMs) {
        if (attempt === 0) throw new RampartError('rate_limited', { message: 'Every deployment of this model is rate limited upstream.', retryAfter: Math.ceil(waitMs / 1000) });
        break;
      }
      if (attempt > 0) {
        if (!budget.tryWithdraw()) break;
        hooks.retry?.(c.d.id, classify(last, cfg).outcome);
      }
      if (waitMs > 0) await sleep(waitMs, ctx.signal);
      tries.set(c, (tries.get(c) ?? 0) + 1);
      const permit = c.h.breaker.tryAcquire(now());
      if (!permit) continue; // opened while we waited
      const provider = providers.get(c.d.provider)!;
      ctx.deployment = c.d;
      ctx.attempts++;
      c.h.inflight++;
      let ended = false;
      const end = (outcome: AttemptOutcome, h: 'success' | 'failure' | 'neutral', ms: number) => {
        if (ended) return;
        ended = true;
        c.h.inflight--;
        if (outcome === 'ok') c.h.observeLatency(ms, cfg.latencyAlpha);
        else if (outcome === 'timeout') c.h.observeLatency(ms, cfg.latencyAlpha); // slowness counts against latency
        c.h.breaker.record(permit, h, now());
        hooks.attempt?.(c.d.id, c.d.provider, outcome, ms);
      };
      const started = now();
      try {
        await callOnce(ctx, provider, c, cfg, end);
        return;
      } catch (err) {
        last = err;
        if (ctx.signal.aborted) {
          end('aborted', 'neutral', now() - started);
          throw err;
        }
        const v = classify(err, cfg);
        end(v.outcome, v.health, now() - started);
        if (v.cooldownMs !== undefined) c.h.cooldownUntil = Math.max(c.h.cooldownUntil, now() + v.cooldownMs);
        if (!v.retry) throw err;
      }
    }
    throw last ?? new RampartError('upstream_unavailable');
  }

  return {
    name: 'route',
    run,
    health,
    readiness(models) {
      const t = now();
      const breakers: Record<string, BreakerState> = {};
      for (const h of health.all()) { h.breaker.available(t); breakers[h.id] = h.breaker.state; }
      const unavailableModels: string[] = [];
      for (const m of models ?? []) {
        const live = m.deployments.some((d) => d.weight > 0 && (health.peek(d.id)?.breaker.available(t) ?? true));
        if (!live) unavailableModels.push(m.name);
      }
      return { ok: unavailableModels.length === 0, breakers, unavailableModels };
    },
  };
}

/**
 * The next deployment: the least-tried one first (so retries spread over the deployments), then
 * the one that can go soonest, then strategy order. A tried one waits its backoff; one that
 * answered 429 waits out its cooldown. Waits beyond retries.maxMs lose to any shorter one.
 */
function pick(order: readonly Candidate[], tries: Map<Candidate, number>, cfg: RoutingConfig, t: number, random: () => number): { c: Candidate; waitMs: number } | undefined {
  let best: { c: Candidate; waitMs: number; n: number } | undefined;
  const better = (x: { waitMs: number; n: number }, y: { waitMs: number; n: number }) => {
    const xl = x.waitMs > cfg.retries.maxMs, yl = y.waitMs > cfg.retries.maxMs;
    if (xl !== yl) return yl;
    return x.n < y.n || (x.n === y.n && x.waitMs < y.waitMs);
  };
  for (const c of order) {
    if (!c.h.breaker.available(t)) continue;
    const n = tries.get(c) ?? 0;
    const backoff = n > 0 ? backoffMs(n - 1, cfg.retries.baseMs, cfg.retries.maxMs, random) : 0;
    const cand = { c, waitMs: Math.max(backoff, c.h.cooldownUntil - t, 0), n };
    if (!best || better(cand, best)) best = cand;
  }
  return best;
}

function allOpen(order: readonly Candidate[], t: number): RampartError {
  const ms = Math.min(...order.map((c) => c.h.breaker.retryInMs(t)));
  return new RampartError('upstream_unavailable', { message: 'Every deployment of this model is failing; try again shortly.', retryAfter: Math.max(1, Math.ceil(ms / 1000)) });
}
