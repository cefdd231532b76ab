/**
 * Runs the guardrail repository conformance suite against memory, SQLite (two Store instances on one file) and
 * PostgreSQL (two Store instances on a fresh schema), plus the checks specific to the store-backed repository.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { guardrailRepositoryConformance } from './repository-conformance.js';
import { DRAFT, GuardrailRegistry, MemoryGuardrailRepository, StoreGuardrailRepository } from './registry.js';
import { GuardrailConfigError } from './schema.js';
import { standInKit } from './testkit.js';
import { openStore } from '../store/index.js';
import { pgProblem, postgresKit, sqliteKit, type TestStoreKit } from '../records/test-stores.js';

/** Two Store instances on the kit's one database, as two gateway instances would have. */
async function pairOn(kit: TestStoreKit) {
  const [s1, s2] = [await kit.open(), await kit.open()];
  return {
    a: new StoreGuardrailRepository(s1.guardrails),
    b: new StoreGuardrailRepository(s2.guardrails),
    close: async () => {
      await s1.close();
      await s2.close();
      await kit.cleanup();
    },
  };
}

guardrailRepositoryConformance('memory', async () => {
  const repo = new MemoryGuardrailRepository();
  return { a: repo, b: repo, close: async () => {} };
});

guardrailRepositoryConformance('sqlite', () => pairOn(sqliteKit()));

const pgSkip = await pgProblem();
if (pgSkip) {
  describe('guardrail repository conformance: postgres', () => {
    it(`skipped: ${pgSkip} (set CI=true to make this fail)`, { skip: pgSkip }, () => {});
  });
} else {
  guardrailRepositoryConformance('postgres', async () => pairOn(await postgresKit()));
}

describe('store-backed guardrail repository', () => {
  // Scoped to this suite: a file-level after() can run before suites registered after the top-level await above.
  const dir = mkdtempSync(join(tmpdir(), 'rampart-guardrails-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('persists across a restart', async () => {
    const path = join(dir, 'restart.db');
    const first = await openStore({ kind: 'sqlite', path });
    const at = new Date(1_900_000_000_123);
    const def = { name: 'kept', blockedInputMessaging: 'no', blockedOutputsMessaging: 'no' };
    const repo = new StoreGuardrailRepository(first.guardrails);
    const created = await new GuardrailRegistry(repo, standInKit()).create(def, { id: 'kept-guard' });
    await repo.snapshot('kept-guard', 'v1', at);
    await first.close();

    const second = await openStore({ kind: 'sqlite', path });
    try {
      const again = new StoreGuardrailRepository(second.guardrails);
      assert.deepEqual(await again.get('kept-guard', DRAFT), created);
      assert.equal((await again.get('kept-guard', '1'))?.description, 'v1');
      assert.deepEqual(await again.ids(), ['kept-guard']);
    } finally {
      await second.close();
    }
  });

  it('reports a stored definition that no longer parses as a server fault, not as the caller\'s bad request', async () => {
    const store = await openStore({ kind: 'sqlite', path: join(dir, 'corrupt.db') });
    try {
      const at = new Date();
      await store.guardrails.insert({ id: 'bad-json', version: DRAFT, definition: '{not json', createdAt: at, updatedAt: at });
      await store.guardrails.insert({ id: 'bad-def', version: DRAFT, definition: '{"name":5}', createdAt: at, updatedAt: at });
      const repo = new StoreGuardrailRepository(store.guardrails);
      for (const id of ['bad-json', 'bad-def']) {
        await assert.rejects(repo.get(id, DRAFT), (err: Error) => {
          assert.ok(!(err instanceof GuardrailConfigError));
          assert.match(err.message, new RegExp(`stored guardrail ${id} version DRAFT is not a valid definition`));
          return true;
        });
      }
    } finally {
      await store.close();
    }
  });

  it('refuses an invalid Date without writing', async () => {
    const store = await openStore({ kind: 'sqlite', path: join(dir, 'dates.db') });
    try {
      const bad = new Date(Number.NaN);
      await assert.rejects(
        store.guardrails.insert({ id: 'd', version: DRAFT, definition: '{}', createdAt: bad, updatedAt: new Date() }),
        TypeError,
      );
      assert.deepEqual(await store.guardrails.ids(), []);
      await store.guardrails.insert({ id: 'd', version: DRAFT, definition: '{}', createdAt: new Date(), updatedAt: new Date() });
      await assert.rejects(store.guardrails.replaceDraft('d', '{"x":1}', bad), TypeError);
      await assert.rejects(store.guardrails.snapshot('d', undefined, bad), TypeError);
      assert.equal((await store.guardrails.get('d', DRAFT))?.definition, '{}');
      assert.deepEqual(await store.guardrails.versions('d'), [DRAFT]);
    } finally {
      await store.close();
    }
  });

  it('sqlite: snapshots from several threads at once get distinct consecutive numbers', { timeout: 60_000 }, async () => {
    const path = join(dir, 'threads.db');
    const setup = await openStore({ kind: 'sqlite', path });
    const at = new Date();
    await setup.guardrails.insert({ id: 'shared', version: DRAFT, definition: '{}', createdAt: at, updatedAt: at });
    await setup.close();
    const index = new URL('../store/index.js', import.meta.url).href;
    // Workers hold their own connections, like separate gateway processes on one file.
    const code = `
      const { workerData, parentPort } = require('node:worker_threads');
      import(workerData.index)
        .then(async ({ openStore }) => {
          const s = await openStore({ kind: 'sqlite', path: workerData.path });
          const made = [];
          for (let i = 0; i < 25; i++) made.push((await s.guardrails.snapshot('shared', 'w' + workerData.n, new Date())).version);
          await s.close();
          parentPort.postMessage(made);
        })
        .catch((e) => parentPort.postMessage(String(e)));
    `;
    const results = await Promise.all(
      [0, 1, 2].map(
        (n) =>
          new Promise<unknown>((resolve, reject) => {
            const w = new Worker(code, { eval: true, workerData: { index, path, n } });
            w.once('message', resolve);
            w.once('error', reject);
          }),
      ),
    );
    for (const r of results) assert.ok(Array.isArray(r), String(r));
    const numbers = (results as string[][]).flat().map(Number).sort((x, y) => x - y);
    assert.deepEqual(numbers, Array.from({ length: 75 }, (_, i) => i + 1));
  });
});
