import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLimitStage } from './stage.js';
import { compileLimits } from './compile.js';
import { LimitsSchema } from './schema.js';
import { MemoryLimitStore } from './memory-store.js';
import { FallbackLimitStore } from './fallback-store.js';
import { StoreUnavailableError, type LimitStore } from './types.js';
import { chatRequest, testContext, testModel, testPrincipal } from './testing/context.js';
import { RampartError } from '../errors.js';
import type { BudgetAlert } from './alerts.js';

const limits = (o: unknown) => compileLimits(LimitsSchema.parse(o));
const memory = () => new MemoryLimitStore({ sweepMs: 0 });

async function refusal(p: () => unknown): Promise<RampartError> {
  try { await p(); } catch (err) { assert.ok(err instanceof RampartError); return err; }
  assert.fail('expected a refusal');
}

describe('limit stage', () => {
  it('refuses past rpm with a 429, Retry-After and x-ratelimit headers', async () => {
    const stage = createLimitStage({ limits: limits({ rules: [{ id: 'k', on: 'key', rpm: 2, tpm: 10_000 }] }), store: memory() });
    for (let i = 0; i < 2; i++) assert.equal(stage.run(testContext()), undefined, 'the memory store answers synchronously');
    const err = await refusal(() => stage.run(testContext()));
    assert.equal(err.code, 'rate_limited');
    assert.equal(err.status, 429);
    assert.ok(err.retryAfter !== undefined && err.retryAfter >= 1 && err.retryAfter <= 60);
    assert.equal(err.headers?.['x-ratelimit-limit-requests'], '2');
    assert.equal(err.headers?.['x-ratelimit-remaining-requests'], '0');
    assert.match(err.headers?.['x-ratelimit-reset-requests'] ?? '', /^\d+(ms|s|m\d+s)$/);
    assert.equal(err.headers?.['x-ratelimit-limit-tokens'], '10000');
    // another key has its own counter
    assert.equal(stage.run(testContext({ principal: testPrincipal({ keyId: 'k2' }) })), undefined);
  });

  it('applies every matching rule: a team rule limits two keys together', async () => {
    const stage = createLimitStage({ limits: limits({ rules: [{ id: 'k', on: 'key', rpm: 10 }, { id: 't', on: 'team', match: 'research', rpm: 3 }] }), store: memory() });
    const a = testPrincipal({ keyId: 'a', team: 'research' }), b = testPrincipal({ keyId: 'b', team: 'research' });
    const c = testPrincipal({ keyId: 'c', team: 'sales' });
    await stage.run(testContext({ principal: a }));
    await stage.run(testContext({ principal: b }));
    await stage.run(testContext({ principal: a }));
    assert.match((await refusal(() => stage.run(testContext({ principal: b })))).message, /rule t/);
    for (let i = 0; i < 5; i++) await stage.run(testContext({ principal: c })); // other team: only its key rule
  });

  it('model and role rules apply only where they match', async () => {
    const stage = createLimitStage({ limits: limits({ rules: [{ id: 'm', on: 'role', match: 'intern', rpm: 1, models: ['big'] }] }), store: memory() });
    const intern = testPrincipal({ roles: ['intern'] });
    await stage.run(testContext({ principal: intern, model: testModel('big') }));
    await refusal(() => stage.run(testContext({ principal: intern, model: testModel('big') })));
    await stage.run(testContext({ principal: intern, model: testModel('small') }));
    await stage.run(testContext({ principal: testPrincipal({ roles: ['staff'] }), model: testModel('big') }));
  });

  it('counts tokens per minute and settles the real usage', async () => {
    const stage = createLimitStage({ limits: limits({ rules: [{ id: 'k', on: 'key', tpm: 100 }] }), store: memory() });
    const ctx = testContext({ chat: chatRequest('x'.repeat(200)) }); // ~50 + framing tokens reserved
    await stage.run(ctx);
    const err = await refusal(() => stage.run(testContext({ chat: chatRequest('x'.repeat(200)) })));
    assert.equal(err.headers?.['x-ratelimit-limit-tokens'], '100');
    ctx.usage = { inputTokens: 10, outputTokens: 5 };
    stage.settle(ctx);
    await stage.run(testContext({ chat: chatRequest('x'.repeat(200)) })); // 15 + ~57 fits now
  });

  it('rejects too much input, clamps or rejects max output tokens', async () => {
    const stage = createLimitStage({ limits: limits({ rules: [
      { id: 'in', on: 'global', maxInputTokens: 50 },
      { id: 'out', on: 'global', maxOutputTokens: 100 },
      { id: 'strict', on: 'team', match: 'strict', maxOutputTokens: 10, onMaxOutputTokens: 'reject' },
    ] }), store: memory() });
    // 60 words ~ 60+ tokens: over 50, and the byte bound cannot prove otherwise, so it is tokenized
    const big = await refusal(() => stage.run(testContext({ chat: chatRequest('hello '.repeat(60)) })));
    assert.equal(big.code, 'bad_request');
    // 190 bytes of the same word repeated compresses to few tokens: exact count admits it
    await stage.run(testContext({ chat: chatRequest('aaaaaaaaaa'.repeat(19)) }));
    const clamped = testContext({ chat: chatRequest('hi', { maxTokens: 5000 }) });
    await stage.run(clamped);
    assert.equal(clamped.chat?.maxTokens, 100);
    const unset = testContext({ chat: chatRequest('hi') });
    await stage.run(unset);
    assert.equal(unset.chat?.maxTokens, 100);
    const strict = await refusal(() => stage.run(testContext({ principal: testPrincipal({ team: 'strict' }), chat: chatRequest('hi', { maxTokens: 50 }) })));
    assert.equal(strict.param, 'max_tokens');
  });

  it('holds concurrency until settle', async () => {
    const stage = createLimitStage({ limits: limits({ rules: [{ id: 'c', on: 'key', concurrency: 1 }] }), store: memory() });
    const first = testContext();
    await stage.run(first);
    assert.equal((await refusal(() => stage.run(testContext()))).code, 'rate_limited');
    stage.settle(first);
    stage.settle(first); // settling twice releases once
    await stage.run(testContext());
  });

  it('never overshoots a daily budget by more than the max cost in flight, and alerts once per threshold', async () => {
    const alerts: BudgetAlert[] = [];
    const stage = createLimitStage({
      limits: limits({ rules: [{ id: 'b', on: 'team', budget: { dailyUsd: 0.01 } }], prices: { 'gpt-test': { input: 1, output: 2 } }, alerts: { thresholds: [0.5, 1] } }),
      store: memory(),
      alerts: (a) => alerts.push(a),
    });
    const who = testPrincipal({ team: 'x' });
    let spent = 0, admitted = 0, refused = 0, maxCost = 0;
    // Waves of 8 concurrent requests: admitted ones are in flight until the wave settles.
    for (let wave = 0; wave < 30; wave++) {
      const inFlight = [];
      for (let i = 0; i < 8; i++) {
        const ctx = testContext({ principal: who, chat: chatRequest('tell me a story '.repeat(10), { maxTokens: 300 }) });
        try { await stage.run(ctx); admitted++; inFlight.push(ctx); } catch { refused++; }
      }
      for (const ctx of inFlight) {
        const out = 150 + Math.floor(Math.random() * 150);
        ctx.usage = { inputTokens: 45, outputTokens: out };
        spent += 45 + out * 2;
        maxCost = Math.max(maxCost, Math.ceil(43 + 3 + 4 + 300 * 2)); // input estimate + max output
        stage.settle(ctx);
      }
    }
    assert.ok(refused > 0 && admitted > 0);
    // In micro-dollars: the budget is 10_000; one wave in flight may push past it, never more.
    assert.ok(spent <= 10_000 + 8 * 700, `spent ${spent}`);
    assert.ok(spent >= 10_000 - 700, `the budget is usable to the end, spent ${spent}`);
    assert.deepEqual(alerts.map((a) => a.threshold), [0.5, 1]);
    assert.equal(alerts[0].subject, 'team=x');
  });

  it('refuses a budgeted model without a price (fail closed)', async () => {
    const stage = createLimitStage({ limits: limits({ rules: [{ id: 'b', on: 'global', budget: { monthlyUsd: 5 } }] }), store: memory() });
    assert.equal((await refusal(() => stage.run(testContext()))).code, 'forbidden');
  });

  it('store unavailable: fail closed answers 503; local falls back to memory', async () => {
    const down: LimitStore = {
      kind: 'redis',
      admit: () => Promise.reject(new StoreUnavailableError('down')),
      settle: () => {},
      flush: async () => {},
      close: async () => {},
    };
    const rules = limits({ rules: [{ id: 'k', on: 'key', rpm: 1 }] });
    const closed = createLimitStage({ limits: rules, store: down });
    const err = await refusal(() => closed.run(testContext()));
    assert.equal(err.code, 'upstream_unavailable');
    assert.equal(err.status, 503);
    const local = createLimitStage({ limits: rules, store: new FallbackLimitStore(down, memory()) });
    await local.run(testContext());
    assert.equal((await refusal(() => local.run(testContext()))).code, 'rate_limited');
  });
});

describe('checkPrices', () => {
  it('names every deployment without a price when budgets are configured', async () => {
    const { checkPrices } = await import('./compile.js');
    const model = testModel('m', [{ id: 'a/x', provider: 'a', upstreamModel: 'x', weight: 1 }, { id: 'b/y', provider: 'b', upstreamModel: 'y', weight: 1 }]);
    const priced = limits({ rules: [{ id: 'b', on: 'global', budget: { dailyUsd: 1 } }], prices: { x: { input: 1, output: 1 } } });
    assert.deepEqual(checkPrices(priced, [model]).length, 1);
    assert.match(checkPrices(priced, [model])[0], /b\/y/);
    assert.deepEqual(checkPrices(limits({ rules: [{ id: 'r', on: 'key', rpm: 1 }] }), [model]), []);
  });
});
