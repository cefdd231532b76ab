import { z } from 'zod';

/**
 * The `routing:` section of rampart.yaml: how a logical model's deployments are chosen, retried
 * and taken out of rotation. Defaults suit a gateway in front of hosted LLM APIs.
 */

const ms = z.number().int().positive();

export const RetriesSchema = z
  .object({
    /** Attempts after the first (on other deployments first, then the same ones again). */
    max: z.number().int().min(0).max(10).default(2),
    /** Exponential backoff base; each wait is uniform in [0, min(maxMs, baseMs * 2^n)] (full jitter). */
    baseMs: ms.default(100),
    /** Longest single wait; a Retry-After longer than this skips the deployment instead of waiting. */
    maxMs: ms.default(5_000),
    /**
     * Retry budget: retries may add at most `ratio` extra attempts per request on average (plus
     * `minPerSecond` always), so a failing upstream is not hit with a retry storm.
     */
    budget: z.object({ ratio: z.number().min(0).max(10).default(0.2), minPerSecond: z.number().min(0).max(10_000).default(5) }).strict().default({ ratio: 0.2, minPerSecond: 5 }),
  })
  .strict();

export const BreakerSchema = z
  .object({
    /** Consecutive failures (5xx, timeouts, connection errors; not 429 or client errors) that open the breaker. */
    failureThreshold: z.number().int().min(1).max(1000).default(5),
    /** How long an open breaker keeps the deployment out; doubles on each re-open up to maxOpenMs. */
    openMs: ms.default(30_000),
    maxOpenMs: ms.default(300_000),
    /** Trial calls let through while half-open. */
    halfOpenMax: z.number().int().min(1).max(100).default(1),
    /** Outlier ejection: open when the failure rate over the last `window` calls reaches `failureRate`. */
    ejection: z
      .object({ window: z.number().int().min(2).max(1000).default(20), minRequests: z.number().int().min(1).max(1000).default(10), failureRate: z.number().gt(0).max(1).default(0.5) })
      .strict()
      .default({ window: 20, minRequests: 10, failureRate: 0.5 }),
  })
  .strict();

export const RoutingTimeoutsSchema = z
  .object({
    /** A non-streaming attempt (the whole answer) before it counts as a timeout and falls back. */
    attemptMs: ms.default(120_000),
    /** A streaming attempt until the upstream accepted it (chatStream resolved). */
    streamStartMs: ms.default(30_000),
  })
  .strict();

export const RoutingSchema = z
  .object({
    strategy: z.enum(['weighted', 'least-busy', 'lowest-latency']).default('weighted'),
    retries: RetriesSchema.default(RetriesSchema.parse({})),
    breaker: BreakerSchema.default(BreakerSchema.parse({})),
    timeouts: RoutingTimeoutsSchema.default(RoutingTimeoutsSchema.parse({})),
    /** Smoothing of the latency moving average (weight of the newest sample). */
    latencyAlpha: z.number().gt(0).max(1).default(0.3),
    /** How long a deployment that answered 429 without Retry-After is skipped. */
    rateLimitCooldownMs: ms.default(1_000),
  })
  .strict();

export type RoutingConfig = z.infer<typeof RoutingSchema>;
export type BreakerConfig = z.infer<typeof BreakerSchema>;
export type RetriesConfig = z.infer<typeof RetriesSchema>;
export type RoutingStrategy = RoutingConfig['strategy'];
