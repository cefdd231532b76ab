/**
 * One conformance suite every LimitStore runs (stores.test.ts: memory and Redis). Keys are
 * unique per run so a shared Redis can hold old ones.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { LimitStore } from './types.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function limitStoreConformance(name: string, open: () => Promise<LimitStore | undefined>): void {
  describe(`LimitStore conformance: ${name}`, async () => {
    const store = await open();
    if (!store) return; // skipped by the caller with a message
    const run = randomUUID().slice(0, 8);
    const k = (s: string) => `conf:${run}:${s}`;
    let seq = 0;
    const id = () => `${run}-${++seq}`;
    after(() => store.close());

    it('a window admits exactly its limit, then refuses with a reset time', async () => {
      const c = { kind: 'window', key: k('w1'), limit: 3, amount: 1, windowMs: 60_000 } as const;
      const got = [];
      for (let i = 0; i < 5; i++) got.push(await store.admit(id(), [c]));
      assert.deepEqual(got.map((g) => g.admitted), [true, true, true, false, false]);
      assert.deepEqual(got.map((g) => g.results[0].remaining), [2, 1, 0, 0, 0]);
      assert.ok(got[3].results[0].resetMs > 0 && got[3].results[0].resetMs <= 60_000);
      assert.equal(got[0].results[0].resetMs, 0);
    });

    it('is all or nothing: a refused check consumes nothing in the others', async () => {
      const a = { kind: 'window', key: k('a'), limit: 2, amount: 1, windowMs: 60_000 } as const;
      const b = { kind: 'window', key: k('b'), limit: 1, amount: 1, windowMs: 60_000 } as const;
      assert.equal((await store.admit(id(), [a, b])).admitted, true);
      const refused = await store.admit(id(), [a, b]);
      assert.equal(refused.admitted, false);
      assert.deepEqual(refused.results.map((r) => r.ok), [true, false]);
      // `a` still has its second slot
      assert.equal((await store.admit(id(), [a])).admitted, true);
      assert.equal((await store.admit(id(), [a])).admitted, false);
    });

    it('a window forgets what left it', async () => {
      // Generous windows: on a loaded machine two calls can be tens of ms apart.
      const c = { kind: 'window', key: k('short'), limit: 1, amount: 1, windowMs: 400 } as const;
      assert.equal((await store.admit(id(), [c])).admitted, true);
      assert.equal((await store.admit(id(), [c])).admitted, false);
      await sleep(450);
      assert.equal((await store.admit(id(), [c])).admitted, true);
    });

    it('settle corrects a weighted reservation both ways', async () => {
      const c = { kind: 'window', key: k('tpm'), limit: 100, amount: 80, windowMs: 60_000, adjustable: true } as const;
      const first = id();
      assert.equal((await store.admit(first, [c])).admitted, true);
      assert.equal((await store.admit(id(), [{ ...c, amount: 30 }])).admitted, false);
      store.settle(first, [{ kind: 'window', key: c.key, delta: -60 }]); // used 20, not 80
      await store.flush();
      const r = await store.admit(id(), [{ ...c, amount: 30 }]);
      assert.equal(r.admitted, true);
      assert.equal(r.results[0].used, 20);
      store.settle(first, [{ kind: 'window', key: c.key, delta: 40 }]); // really 60
      await store.flush();
      const r2 = await store.admit(id(), [{ ...c, amount: 11 }]);
      assert.equal(r2.admitted, false);
      assert.equal(r2.results[0].used, 90);
    });

    it('concurrency holds slots until released, and leases expire', async () => {
      const c = { kind: 'concurrency', key: k('conc'), limit: 2, leaseMs: 60_000 } as const;
      const a = id(), b = id();
      assert.equal((await store.admit(a, [c])).admitted, true);
      assert.equal((await store.admit(b, [c])).admitted, true);
      assert.equal((await store.admit(id(), [c])).admitted, false);
      store.settle(a, [{ kind: 'concurrency', key: c.key }]);
      await store.flush();
      assert.equal((await store.admit(id(), [c])).admitted, true);
      const lease = { kind: 'concurrency', key: k('lease'), limit: 1, leaseMs: 400 } as const;
      assert.equal((await store.admit(id(), [lease])).admitted, true);
      assert.equal((await store.admit(id(), [lease])).admitted, false);
      await sleep(450); // the holder "crashed": its lease runs out
      assert.equal((await store.admit(id(), [lease])).admitted, true);
    });

    it('a budget admits until reached and settles actual cost', async () => {
      const c = { kind: 'budget', key: k('budget'), limit: 100, amount: 60, expireAt: Date.now() + 3_600_000 } as const;
      const first = id();
      assert.equal((await store.admit(first, [c])).admitted, true);
      assert.equal((await store.admit(id(), [c])).admitted, true); // 60 < 100: not yet reached
      const refused = await store.admit(id(), [c]);
      assert.equal(refused.admitted, false);
      assert.equal(refused.results[0].used, 120);
      assert.ok(refused.results[0].resetMs > 0);
      store.settle(first, [{ kind: 'budget', key: c.key, delta: -55 }]); // cost 5, not 60
      await store.flush();
      assert.equal((await store.admit(id(), [c])).admitted, true);
    });

    it('admits exactly the limit under concurrent callers', async () => {
      const c = { kind: 'window', key: k('race'), limit: 10, amount: 1, windowMs: 60_000 } as const;
      const all = await Promise.all(Array.from({ length: 40 }, () => store.admit(id(), [c])));
      assert.equal(all.filter((r) => r.admitted).length, 10);
    });
  });
}
