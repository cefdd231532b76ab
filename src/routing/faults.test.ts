import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRouteStage, type RouterHooks } from './router.js';
import { RoutingSchema } from './schema.js';
import { rig, drain } from './testing/setup.js';
import { RampartError } from '../errors.js';
import { UpstreamError } from '../providers/types.js';
import type { BreakerState } from './breaker.js';

const routing = (o: unknown = {}) => RoutingSchema.parse(o);
/** Deterministic order: the first deployment listed comes first (weights equal, random fixed). */
const first = () => 0.9;

async function rejects(p: unknown): Promise<RampartError> {
  try { await p; } catch (err) { assert.ok(err instanceof RampartError, String(err)); return err; }
  assert.fail('expected an error');
}

describe('routing against a fault-injecting upstream', () => {
  it('500: falls back to the next deployment; the caller gets its answer', async () => {
    const r = await rig({ a: { kind: 'status', status: 500 }, b: { kind: 'ok', text: 'from b' } }, { a: 2, b: 1 });
    try {
      const stage = createRouteStage({ routing: routing(), random: first });
      const ctx = r.ctx();
      await stage.run(ctx);
      assert.equal(ctx.response?.content[0].type === 'text' && ctx.response.content[0].text, 'from b');
      assert.equal(ctx.attempts, 2);
      assert.equal(ctx.deployment?.id, 'b/m');
      assert.equal(r.ups.a.count, 1);
    } finally { await r.close(); }
  });

  it('429 with Retry-After: waits it out and retries the same deployment', async () => {
    const r = await rig({ a: (n) => (n === 1 ? { kind: 'status', status: 429, retryAfter: '0.2' } : { kind: 'ok', text: 'second try' }) });
    try {
      const stage = createRouteStage({ routing: routing() });
      const ctx = r.ctx();
      const t0 = Date.now();
      await stage.run(ctx);
      assert.equal(r.ups.a.count, 2);
      assert.ok(Date.now() - t0 >= 190, 'honoured Retry-After before retrying');
      assert.equal(ctx.attempts, 2);
      // and the deployment was not blamed: its breaker stays closed
      assert.equal(stage.health.peek('a/m')?.breaker.state, 'closed');
    } finally { await r.close(); }
  });

  it('429 with a Retry-After longer than retries.maxMs: the caller gets the 429 at once', async () => {
    const r = await rig({ a: { kind: 'status', status: 429, retryAfter: '30' } });
    try {
      const stage = createRouteStage({ routing: routing({ retries: { maxMs: 2_000 } }) });
      const err = await rejects(stage.run(r.ctx()));
      assert.equal(err.code, 'rate_limited');
      assert.equal(err.retryAfter, 30);
      assert.equal(r.ups.a.count, 1);
    } finally { await r.close(); }
  });

  it('hang: the attempt times out and the next deployment answers (chat and stream)', async () => {
    const r = await rig({ a: { kind: 'hang' }, b: { kind: 'ok', text: 'b answered' } }, { a: 2, b: 1 });
    try {
      const stage = createRouteStage({ routing: routing({ timeouts: { attemptMs: 300, streamStartMs: 300 } }), random: first });
      const ctx = r.ctx();
      await stage.run(ctx);
      assert.equal(ctx.deployment?.id, 'b/m');
      const sctx = r.ctx({ stream: true });
      await stage.run(sctx);
      assert.equal((await drain(sctx)).text, 'b answered');
      assert.equal(r.ups.a.count, 2);
    } finally { await r.close(); }
  });

  it('connection reset: falls back', async () => {
    const r = await rig({ a: { kind: 'reset' }, b: { kind: 'ok', text: 'fine' } }, { a: 2, b: 1 });
    try {
      const stage = createRouteStage({ routing: routing(), random: first });
      const ctx = r.ctx({ stream: true });
      await stage.run(ctx);
      assert.equal((await drain(ctx)).text, 'fine');
      assert.equal(ctx.attempts, 2);
    } finally { await r.close(); }
  });

  it('slow stream: delivered whole, never retried', async () => {
    const r = await rig({ a: { kind: 'slow', chunkDelayMs: 20, chunks: 8 }, b: { kind: 'ok' } }, { a: 2, b: 1 });
    try {
      const stage = createRouteStage({ routing: routing({ timeouts: { streamStartMs: 5_000 } }), random: first });
      const ctx = r.ctx({ stream: true });
      await stage.run(ctx);
      const out = await drain(ctx);
      assert.equal(out.error, undefined);
      assert.equal(out.text, 'w0 w1 w2 w3 w4 w5 w6 w7 ');
      assert.ok(out.events.some((e) => e.type === 'usage'));
      assert.equal(r.ups.b.count, 0);
    } finally { await r.close(); }
  });

  it('stream cut mid-way: not retried after bytes flowed; ends with a mid-stream error and estimated usage', async () => {
    const r = await rig({ a: { kind: 'cut', afterChunks: 3 }, b: { kind: 'ok' } }, { a: 2, b: 1 });
    try {
      const stage = createRouteStage({ routing: routing(), random: first });
      const ctx = r.ctx({ stream: true });
      await stage.run(ctx);
      const out = await drain(ctx);
      assert.equal(out.text, 'w0 w1 w2 ');
      assert.ok(out.error instanceof UpstreamError && out.error.midStream, String(out.error));
      assert.equal(r.ups.b.count, 0, 'no second upstream call once events reached the caller');
      assert.ok(ctx.usage && ctx.usage.outputTokens >= 3, 'usage estimated for the limits');
    } finally { await r.close(); }
  });

  it('client errors do not fall back', async () => {
    const r = await rig({ a: { kind: 'status', status: 400 }, b: { kind: 'ok' } }, { a: 2, b: 1 });
    try {
      const stage = createRouteStage({ routing: routing(), random: first });
      const err = await rejects(stage.run(r.ctx()));
      assert.equal(err.code, 'bad_request');
      assert.equal(r.ups.b.count, 0);
    } finally { await r.close(); }
  });

  it('flapping deployment: the breaker ejects it, probes it, takes it back; every caller is answered', async () => {
    // a fails on requests 1-6 and 13-18 (bursts of failures), works otherwise
    const r = await rig({ a: (n) => (((n - 1) % 12) < 6 ? { kind: 'status', status: 503 } : { kind: 'ok', text: 'a' }), b: { kind: 'ok', text: 'b' } }, { a: 3, b: 1 });
    const states: string[] = [];
    const hooks: RouterHooks = { breaker: (id: string, s: BreakerState) => { if (id === 'a/m') states.push(s); } };
    try {
      const stage = createRouteStage({ routing: routing({ breaker: { failureThreshold: 3, openMs: 40, maxOpenMs: 80 } }), random: first, hooks });
      let answered = 0;
      for (let i = 0; i < 60; i++) {
        const ctx = r.ctx();
        await stage.run(ctx);
        if (ctx.response) answered++;
        if (i % 5 === 4) await new Promise((res) => setTimeout(res, 30));
      }
      assert.equal(answered, 60);
      assert.ok(states.includes('open') && states.includes('half_open') && states.includes('closed'), states.join(','));
      assert.ok(r.ups.a.count < 60, `a was called ${r.ups.a.count} times for 60 requests: ejected while failing`);
      assert.ok(r.ups.b.count > 0);
    } finally { await r.close(); }
  });

  it('every breaker open: 503 with Retry-After, without calling upstream', async () => {
    const r = await rig({ a: { kind: 'status', status: 500 } });
    try {
      const stage = createRouteStage({ routing: routing({ retries: { max: 0 }, breaker: { failureThreshold: 2, openMs: 10_000 } }) });
      await rejects(stage.run(r.ctx()));
      await rejects(stage.run(r.ctx()));
      const err = await rejects(stage.run(r.ctx()));
      assert.equal(err.code, 'upstream_unavailable');
      assert.equal(err.retryAfter, 10);
      assert.equal(r.ups.a.count, 2);
      const ready = stage.readiness([{ ...r.ctx().model! }]);
      assert.equal(ready.ok, false);
      assert.equal(ready.breakers['a/m'], 'open');
    } finally { await r.close(); }
  });

  it('the retry budget bounds retries', async () => {
    const r = await rig({ a: { kind: 'status', status: 500 }, b: { kind: 'status', status: 500 } });
    try {
      const stage = createRouteStage({ routing: routing({ retries: { max: 3, baseMs: 1, budget: { ratio: 0, minPerSecond: 0 } }, breaker: { failureThreshold: 100 } }) });
      const err = await rejects(stage.run(r.ctx()));
      assert.equal(err.code, 'upstream_error');
      assert.equal(r.ups.a.count + r.ups.b.count, 1, 'no budget: no retry');
    } finally { await r.close(); }
  });

  it('retries go to other deployments first, then back with backoff', async () => {
    const r = await rig({ a: { kind: 'status', status: 502 }, b: { kind: 'status', status: 503 } });
    try {
      const stage = createRouteStage({ routing: routing({ retries: { max: 3, baseMs: 5 }, breaker: { failureThreshold: 100 } }) });
      const ctx = r.ctx();
      await rejects(stage.run(ctx));
      assert.equal(ctx.attempts, 4);
      assert.equal(r.ups.a.count, 2);
      assert.equal(r.ups.b.count, 2);
    } finally { await r.close(); }
  });

  it('lowest-latency prefers the faster deployment once measured', async () => {
    const r = await rig({ slow: { kind: 'ok', delayMs: 60, text: 'slow' }, fast: { kind: 'ok', text: 'fast' } });
    try {
      const stage = createRouteStage({ routing: routing({ strategy: 'lowest-latency' }) });
      for (let i = 0; i < 12; i++) await stage.run(r.ctx());
      assert.ok(r.ups.fast.count >= 10, `fast ${r.ups.fast.count} slow ${r.ups.slow.count}`);
      assert.ok(r.ups.slow.count >= 1, 'measured once');
    } finally { await r.close(); }
  });

  it('a new request while every deployment waits out a long Retry-After: 429 at once', async () => {
    const r = await rig({ a: { kind: 'status', status: 429, retryAfter: '20' } });
    try {
      const stage = createRouteStage({ routing: routing({ retries: { maxMs: 1_000 } }) });
      await rejects(stage.run(r.ctx()));
      const err = await rejects(stage.run(r.ctx()));
      assert.equal(err.code, 'rate_limited');
      assert.ok(err.retryAfter !== undefined && err.retryAfter >= 19 && err.retryAfter <= 20);
      assert.equal(r.ups.a.count, 1, 'the cooling deployment was not called again');
    } finally { await r.close(); }
  });

  it('the client going away stops the retries', async () => {
    const r = await rig({ a: { kind: 'hang' } });
    try {
      const ac = new AbortController();
      const stage = createRouteStage({ routing: routing() });
      const p = stage.run(r.ctx({ signal: ac.signal }));
      setTimeout(() => ac.abort(new RampartError('bad_request', { message: 'client disconnected' })), 50);
      const err = await rejects(p);
      assert.match(err.message, /client disconnected/);
      assert.equal(r.ups.a.count, 1);
      assert.equal(stage.health.peek('a/m')?.inflight, 0);
    } finally { await r.close(); }
  });
});
