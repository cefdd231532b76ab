/**
 * The limit check's cost: per-request admission time with the in-memory store (budget <= 0.02 ms),
 * the same with a near-limit input that must be tokenized, and Redis admission round trips (one
 * EVALSHA per request; settles pipelined). Prints figures; not a timed test.
 * Run: npx tsc -p .build/tsconfig.limits.json && node .build/limits/bench/limits.js
 */
import { performance } from 'node:perf_hooks';
import { createLimitStage } from '../src/limits/stage.js';
import { compileLimits } from '../src/limits/compile.js';
import { LimitsSchema } from '../src/limits/schema.js';
import { MemoryLimitStore } from '../src/limits/memory-store.js';
import { RedisLimitStore } from '../src/limits/redis-store.js';
import { chatRequest, testContext, testPrincipal } from '../src/limits/testing/context.js';
import { REDIS_URL, redisAvailable } from '../src/limits/testing/redis.js';
import type { RequestContext } from '../src/pipeline/context.js';
import type { LimitStage } from '../src/pipeline/stages.js';

const RULES = LimitsSchema.parse({
  rules: [
    { id: 'key', on: 'key', rpm: 1e9, tpm: 1e12 },
    { id: 'team', on: 'team', rpm: 1e9, concurrency: 1e6, budget: { dailyUsd: 1e8 } },
    { id: 'global', on: 'global', maxInputTokens: 100_000, maxOutputTokens: 4096 },
  ],
  prices: { 'gpt-test': { input: 2.5, output: 10 } },
});
const PROMPT = 'Summarise the quarterly customer feedback and draft a friendly e-mail to the account owner. '.repeat(40); // ~3.6 KB

function contexts(n: number, text: string): RequestContext[] {
  const out: RequestContext[] = [];
  for (let i = 0; i < n; i++) out.push(testContext({ principal: testPrincipal({ keyId: `k${i % 50}`, team: `t${i % 5}` }), chat: chatRequest(text) }));
  return out;
}

function quantile(sorted: number[], q: number): number { return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]; }

/** Contexts are built in small batches outside the timed region so the heap stays small. */
function timeMemory(label: string, stage: LimitStage, n: number, text: string): void {
  const per: number[] = [];
  for (let done = 0; done < n; done += 1000) {
    const ctxs = contexts(Math.min(1000, n - done), text);
    for (const ctx of ctxs) {
      const s = performance.now();
      stage.run(ctx);
      per.push(performance.now() - s);
      ctx.usage = { inputTokens: 900, outputTokens: 200 };
      stage.settle(ctx);
    }
  }
  per.sort((a, b) => a - b);
  const mean = per.reduce((a, b) => a + b, 0) / per.length;
  console.log(`${label}: mean ${mean.toFixed(4)} ms  p50 ${quantile(per, 0.5).toFixed(4)} ms  p99 ${quantile(per, 0.99).toFixed(4)} ms  (n=${n})`);
}

const compiled = compileLimits(RULES);
{
  const stage = createLimitStage({ limits: compiled, store: new MemoryLimitStore() });
  timeMemory('warm-up', stage, 20_000, PROMPT);
  timeMemory('memory, 3 rules (5 checks), 3.6 KB prompt', stage, 50_000, PROMPT);
}
{
  // 48 KB of prose is over the byte bound of a 10k maxInputTokens rule, so it is tokenized.
  const near = compileLimits(LimitsSchema.parse({ ...RULES, rules: [...RULES.rules.slice(0, 2), { id: 'global', on: 'global', maxInputTokens: 12_000 }] }));
  const stage = createLimitStage({ limits: near, store: new MemoryLimitStore() });
  timeMemory('memory, near maxInputTokens (exact tokenization of 48 KB)', stage, 300, PROMPT.repeat(13));
}

if (await redisAvailable().catch(() => false)) {
  const store = new RedisLimitStore({ url: REDIS_URL, keyPrefix: `rampart:bench:${process.pid}:`, commandTimeoutMs: 2_000 });
  await store.connect();
  const stage = createLimitStage({ limits: compiled, store });
  const ctxs = contexts(3_000, PROMPT);
  const per: number[] = [];
  for (const ctx of ctxs) {
    const s = performance.now();
    await stage.run(ctx);
    per.push(performance.now() - s);
    ctx.usage = { inputTokens: 900, outputTokens: 200 };
    stage.settle(ctx);
  }
  await store.flush();
  per.sort((a, b) => a - b);
  console.log(`redis (loopback), sequential: p50 ${quantile(per, 0.5).toFixed(3)} ms  p99 ${quantile(per, 0.99).toFixed(3)} ms per admission (one EVALSHA)`);
  const t0 = performance.now();
  const par = contexts(3_000, PROMPT);
  await Promise.all(par.map(async (ctx) => { await stage.run(ctx); ctx.usage = { inputTokens: 900, outputTokens: 200 }; stage.settle(ctx); }));
  await store.flush();
  console.log(`redis, 3000 concurrent admissions+settles: ${((performance.now() - t0) / 1000).toFixed(2)} s (${Math.round(3000 / ((performance.now() - t0) / 1000))} req/s)`);
  const keys = await store.redis.keys(`rampart:bench:${process.pid}:*`);
  if (keys.length) await store.redis.del(...keys);
  await store.close();
} else {
  console.log(`redis: skipped (no Redis at ${REDIS_URL})`);
}
