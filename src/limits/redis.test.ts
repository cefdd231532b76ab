import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { REDIS_URL, redisAvailable, startPrivateRedis, type PrivateRedis } from './testing/redis.js';
import { openLimitStore } from './index.js';
import { createLimitStage } from './stage.js';
import { compileLimits } from './compile.js';
import { LimitsSchema } from './schema.js';
import { testContext } from './testing/context.js';
import { RampartError } from '../errors.js';

const CHILD = fileURLToPath(new URL('./testing/admit-child.js', import.meta.url));

interface Child { ready: Promise<void>; done: Promise<{ admitted: number; refused: number }>; go: () => void }

function runChild(prefix: string, count: number, parallel: number): Child {
  const child = spawn(process.execPath, [CHILD, REDIS_URL, prefix, String(count), String(parallel), '5'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  let markReady: () => void = () => {};
  const ready = new Promise<void>((r) => { markReady = r; });
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.startsWith('ready\n')) markReady();
  });
  const done = new Promise<{ admitted: number; refused: number }>((resolve, reject) => {
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.slice('ready\n'.length)) as { admitted: number; refused: number }) : reject(new Error(`child exited ${code}`))));
  });
  return { ready, done, go: () => child.stdin.end('go\n') };
}

describe('redis limits across processes', async () => {
  const up = await redisAvailable();
  if (!up) console.log(`# SKIP: no Redis at ${REDIS_URL} (set CI=true to make this a failure)`);

  it('two OS processes sharing Redis hold 100 requests/minute to exactly 100', { skip: !up }, async () => {
    const prefix = `rampart:test:${randomUUID().slice(0, 8)}:`;
    const a = runChild(prefix, 150, 10);
    const b = runChild(prefix, 150, 10);
    // Both children are connected and waiting; release them together.
    await Promise.all([a.ready, b.ready]);
    a.go(); b.go();
    const [ra, rb] = await Promise.all([a.done, b.done]);
    assert.equal(ra.admitted + rb.admitted, 100, JSON.stringify({ ra, rb }));
    assert.equal(ra.refused + rb.refused, 200);
    // Each process sent 150, so each was refused at least 50 times: both hit the shared counter.
    assert.ok(ra.refused >= 50 && rb.refused >= 50);
    console.log(`# split across processes: ${ra.admitted} + ${rb.admitted}`);
  });

  it('a daily budget shared in Redis is overshot by at most the requests in flight', { skip: !up }, async () => {
    const store = await openLimitStore({ kind: 'redis', url: REDIS_URL, onUnavailable: 'fail-closed', keyPrefix: `rampart:test:${randomUUID().slice(0, 8)}:`, commandTimeoutMs: 2_000 });
    const stage = createLimitStage({
      limits: compileLimits(LimitsSchema.parse({ rules: [{ id: 'budget', on: 'global', budget: { dailyUsd: 0.01 } }], prices: { 'gpt-test': { input: 1, output: 2 } } })),
      store,
    });
    const WORKERS = 16;
    let spent = 0, maxReserved = 0, refusals = 0;
    const worker = async () => {
      while (refusals < 40) {
        const ctx = testContext({ chat: { ...testContext().chat!, maxTokens: 300 } });
        try { await stage.run(ctx); } catch (err) {
          assert.ok(err instanceof RampartError && err.code === 'rate_limited', String(err));
          refusals++;
          continue;
        }
        maxReserved = Math.max(maxReserved, 3 + 4 * 1 + 3 + 300 * 2 + 10);
        await new Promise((r) => setTimeout(r, Math.random() * 5));
        const out = 100 + Math.floor(Math.random() * 200);
        ctx.usage = { inputTokens: 8, outputTokens: out };
        spent += 8 + out * 2;
        stage.settle(ctx);
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, worker));
    await store.close();
    // budget 10_000 micro-dollars; at most WORKERS requests were in flight when it was reached
    assert.ok(spent <= 10_000 + WORKERS * maxReserved, `spent ${spent}`);
    assert.ok(spent >= 10_000 - maxReserved, `spent ${spent}: the budget is usable`);
  });

  it('admission is one round trip; settle is pipelined', { skip: !up }, async () => {
    const store = await openLimitStore({ kind: 'redis', url: REDIS_URL, onUnavailable: 'fail-closed', keyPrefix: `rampart:test:${randomUUID().slice(0, 8)}:`, commandTimeoutMs: 2_000 });
    const mon = new Redis(REDIS_URL);
    const monitor = await mon.monitor();
    const seen: string[] = [];
    monitor.on('monitor', (_t: string, args: string[]) => { if (args[0] !== 'monitor') seen.push(String(args[0]).toLowerCase()); });
    const stage = createLimitStage({ limits: compileLimits(LimitsSchema.parse({ rules: [{ id: 'k', on: 'key', rpm: 10, tpm: 10_000, concurrency: 5 }, { id: 't', on: 'global', rpm: 100 }] })), store });
    const ctx = testContext();
    await stage.run(ctx);
    ctx.usage = { inputTokens: 3, outputTokens: 4 };
    stage.settle(ctx);
    await store.flush();
    await new Promise((r) => setTimeout(r, 100));
    const calls = seen.filter((c) => c === 'evalsha' || c === 'eval');
    assert.equal(calls.length, 2, `one call to admit, one to settle: ${seen.join(',')}`);
    monitor.disconnect(); mon.disconnect();
    await store.close();
  });
});

describe('redis stopped mid-run', async () => {
  let redis: PrivateRedis | undefined;
  before(async () => { redis = await startPrivateRedis(); });
  after(() => redis?.stop());
  const rules = compileLimits(LimitsSchema.parse({ rules: [{ id: 'k', on: 'key', rpm: 3 }] }));

  for (const mode of ['fail-closed', 'local'] as const) {
    it(`onUnavailable ${mode}`, async (t) => {
      if (!redis) {
        if (process.env.CI === 'true') assert.fail('redis-server is required in CI');
        t.skip('redis-server not installed');
        return;
      }
      await redis.start().catch(() => {}); // running again for the second mode
      const store = await openLimitStore({ kind: 'redis', url: redis.url, onUnavailable: mode, keyPrefix: `m:${mode}:`, commandTimeoutMs: 300 });
      const stage = createLimitStage({ limits: rules, store });
      await stage.run(testContext());
      redis.stop();
      const outcomes: string[] = [];
      for (let i = 0; i < 4; i++) {
        try { await stage.run(testContext()); outcomes.push('ok'); } catch (err) { outcomes.push(err instanceof RampartError ? err.code : String(err)); }
      }
      if (mode === 'fail-closed') assert.deepEqual(outcomes, ['upstream_unavailable', 'upstream_unavailable', 'upstream_unavailable', 'upstream_unavailable']);
      else assert.deepEqual(outcomes, ['ok', 'ok', 'ok', 'rate_limited'], 'local limits: this instance alone enforces rpm 3');
      // Redis back: shared limits again (it remembers nothing: it was started with --save '').
      await redis.start();
      let back = false;
      for (let i = 0; i < 60 && !back; i++) {
        await new Promise((r) => setTimeout(r, 100));
        try { await stage.run(testContext({ principal: { ...testContext().principal!, keyId: `fresh${i}` } })); back = true; } catch { /* still reconnecting */ }
      }
      assert.ok(back, 'requests are admitted again once Redis is back');
      await store.close();
    });
  }
});
