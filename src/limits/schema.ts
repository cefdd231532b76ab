import { z } from 'zod';

/**
 * The `limits:` section of rampart.yaml. Every rule whose subject applies to a request must pass
 * (a key rule AND a team rule AND a model rule...). Validated when the config loads, compiled once
 * by compileLimits (src/limits/compile.ts).
 */

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'letters, digits, and . _ : - only (max 128)');
const count = z.number().int().positive();
/** US dollars; floats are fine here, the stores count integer micro-dollars. */
const usd = z.number().positive().max(1e9);

/** What a rule counts against. `global` is one counter for every request. */
export const LimitSubjectSchema = z.enum(['key', 'user', 'team', 'application', 'role', 'model', 'global']);

export const LimitRuleSchema = z
  .object({
    id,
    on: LimitSubjectSchema,
    /**
     * Only this subject value (e.g. team "research"). Absent: every distinct value gets its own
     * counter (each key its own 60 rpm).
     */
    match: z.string().min(1).max(256).optional(),
    /** Only requests for these logical models. Absent: all models. */
    models: z.array(z.string().min(1)).min(1).optional(),
    rpm: count.optional(),
    tpm: count.optional(),
    concurrency: count.optional(),
    maxInputTokens: count.optional(),
    maxOutputTokens: count.optional(),
    /** clamp: lower the request's max tokens to maxOutputTokens; reject: refuse a larger request. */
    onMaxOutputTokens: z.enum(['clamp', 'reject']).default('clamp'),
    budget: z.object({ dailyUsd: usd.optional(), monthlyUsd: usd.optional() }).strict().optional(),
  })
  .strict()
  .refine(
    (r) => r.rpm || r.tpm || r.concurrency || r.maxInputTokens || r.maxOutputTokens || r.budget?.dailyUsd || r.budget?.monthlyUsd,
    { message: 'a limit rule needs at least one of rpm, tpm, concurrency, maxInputTokens, maxOutputTokens, budget' },
  );

/** Prices in US dollars per million tokens. Keyed by deployment id, upstream model id or logical model name. */
export const PriceSchema = z
  .object({
    input: z.number().min(0),
    output: z.number().min(0),
    /** Cache reads; defaults to `input`. */
    cachedInput: z.number().min(0).optional(),
  })
  .strict();

const httpUrl = z.string().url().refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL');

export const AlertsSchema = z
  .object({
    /** Fractions of a budget at which an alert fires once per period (1 = budget reached). */
    thresholds: z.array(z.number().gt(0).max(10)).default([0.8, 1]),
    webhook: z
      .object({
        url: httpUrl,
        /** Egress is opt-in: the webhook's host must be listed here as well. */
        allowHosts: z.array(z.string().min(1)).min(1),
        timeoutMs: z.number().int().positive().max(60_000).default(5_000),
      })
      .strict()
      .refine((w) => w.allowHosts.includes(new URL(w.url).host) || w.allowHosts.includes(new URL(w.url).hostname), {
        message: 'the webhook host must be listed in allowHosts',
        path: ['url'],
      })
      .optional(),
  })
  .strict();

export const LimitStoreSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('memory') }).strict(),
  z
    .object({
      kind: z.literal('redis'),
      url: z.string().regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL'),
      /** fail-closed: refuse requests while Redis is unreachable; local: fall back to this instance's memory. */
      onUnavailable: z.enum(['fail-closed', 'local']).default('fail-closed'),
      keyPrefix: z.string().max(64).default('rampart:lim:'),
      /** Longest wait for the admission round trip before Redis counts as unavailable. */
      commandTimeoutMs: z.number().int().positive().max(10_000).default(500),
    })
    .strict(),
]);

export const LimitsSchema = z
  .object({
    store: LimitStoreSchema.default({ kind: 'memory' }),
    rules: z.array(LimitRuleSchema).default([]),
    prices: z.record(z.string().min(1), PriceSchema).default({}),
    /** Output tokens reserved against tpm and budgets when the request sets no max tokens. */
    defaultMaxOutputTokens: count.default(4096),
    /** A concurrency slot a crashed instance never released expires after this. */
    concurrencyLeaseMs: count.default(15 * 60_000),
    alerts: AlertsSchema.default({ thresholds: [0.8, 1] }),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const seen = new Set<string>();
    cfg.rules.forEach((r, i) => {
      if (seen.has(r.id)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `duplicate rule id "${r.id}"` });
      seen.add(r.id);
    });
  });

export type LimitsConfig = z.infer<typeof LimitsSchema>;
export type LimitRule = z.infer<typeof LimitRuleSchema>;
export type LimitSubject = z.infer<typeof LimitSubjectSchema>;
export type Price = z.infer<typeof PriceSchema>;
export type LimitStoreConfig = z.infer<typeof LimitStoreSchema>;
export type AlertsConfig = z.infer<typeof AlertsSchema>;
