/**
 * The store sink's batch writes on both stores: batches spanning several multi-row INSERT chunks land whole and
 * byte for byte, a replayed (overlapping) batch keeps the first write, and a batch that fails part-way leaves
 * neither table holding any of its rows.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import type { AuditRow, InvocationRow } from '../../store/records-types.js';
import { openStore } from '../../store/index.js';
import type { Store } from '../../store/types.js';
import { postgresKit, pgProblem, sqliteKit, type TestStoreKit } from '../test-stores.js';
import { storeSink } from './store.js';
import { storeWorkerSink } from './store-worker.js';

const rid = (n = 6) => randomBytes(n).toString('hex');
/** More rows than one chunk on either store (256 on PostgreSQL, 64 on SQLite) and not a power of two. */
const ROWS = 2 * 256 + 37;

function rows(n: number, from = 1): { app: string; inst: string; invocations: InvocationRow[]; audit: AuditRow[] } {
  const app = `app-${rid()}`;
  const inst = `inst-${rid()}`;
  const invocations: InvocationRow[] = [];
  const audit: AuditRow[] = [];
  for (let seq = from; seq < from + n; seq++) {
    const time = new Date(Date.UTC(2310, 0, 1) + seq);
    // Every other row carries every optional column, so both NULL and set values go through the chunked path.
    const full = seq % 2 === 0;
    invocations.push({
      requestId: `req_${rid()}`, time, instanceId: inst, action: 'InvokeModel', application: app, hash: rid(32),
      body: JSON.stringify({ seq, text: 'quote " backslash \\ unicode é ✓' }),
      ...(full
        ? { principalId: 'apikey:k', model: 'm', status: 200 + seq, errorCode: 'e', decision: 'allow', guardrailAction: 'NONE', subject: 's' }
        : {}),
    });
    audit.push({
      instanceId: inst, seq, eventId: `ev_${rid()}`, time, eventName: 'InvokeModel', readOnly: !full, prevHash: `p${seq}`,
      hash: `h${seq}`, body: `{"seq":${seq}}`,
      ...(full ? { principalId: 'apikey:k', application: app, decision: 'deny', errorCode: 'e' } : {}),
    });
  }
  return { app, inst, invocations, audit };
}

async function stored(store: Store, app: string, inst: string) {
  const invocations = await store.records.queryInvocations({ application: app, limit: 10_000 });
  invocations.sort((x, y) => x.time.getTime() - y.time.getTime());
  return { invocations, audit: await store.records.readAudit(inst, 0, 10_000) };
}

function batchSuite(name: string, makeKit: () => Promise<TestStoreKit>, worker: (kit: TestStoreKit) => ReturnType<typeof storeWorkerSink>) {
  describe(`store batches: ${name}`, () => {
    let kit: TestStoreKit | undefined;
    let store: Store | undefined;
    const open = async () => {
      kit ??= await makeKit();
      store ??= await kit.open();
      return store;
    };
    after(async () => {
      await store?.close();
      await kit?.cleanup();
    });

    it('writes a batch of several chunks whole, every field intact', async () => {
      const s = await open();
      const b = rows(ROWS);
      await storeSink(s.records).write(b);
      assert.deepEqual(await stored(s, b.app, b.inst), { invocations: b.invocations, audit: b.audit });
    });

    it('takes a replayed batch that overlaps stored rows and keeps the first write', async () => {
      const s = await open();
      const b = rows(ROWS);
      const sink = storeSink(s.records);
      await sink.write({ invocations: b.invocations.slice(0, 300), audit: b.audit.slice(0, 300) });
      const changed = <T extends { body: string }>(r: T): T => ({ ...r, body: '{"changed":true}' });
      // Rows 250..299 again (with other bodies, which must not win), then the rest.
      const again = <T extends { body: string }>(xs: T[]) => xs.slice(250).map((r, i) => (i < 50 ? changed(r) : r));
      await sink.write({ invocations: again(b.invocations), audit: again(b.audit) });
      await sink.write(b);
      assert.deepEqual(await stored(s, b.app, b.inst), { invocations: b.invocations, audit: b.audit });
    });

    it('stores nothing of a batch that fails part-way, and writes the next batch', async () => {
      const s = await open();
      const b = rows(ROWS);
      // Valid for the encoder, refused by the database (PostgreSQL) or the driver (SQLite), after earlier chunks ran.
      const bad = { ...b.invocations[ROWS - 3], status: {} as unknown as number };
      await assert.rejects(storeSink(s.records).write({ audit: b.audit, invocations: [...b.invocations.slice(0, ROWS - 3), bad] }));
      assert.deepEqual(await stored(s, b.app, b.inst), { invocations: [], audit: [] });
      await storeSink(s.records).write(b);
      assert.deepEqual(await stored(s, b.app, b.inst), { invocations: b.invocations, audit: b.audit });
    });

    it('writes batches from the worker thread, replays included', async () => {
      const s = await open();
      const b = rows(ROWS);
      const sink = worker(kit!);
      try {
        await sink.write(b);
        await sink.write({ invocations: b.invocations.slice(100), audit: b.audit.slice(100) });
      } finally {
        await sink.close();
      }
      assert.deepEqual(await stored(s, b.app, b.inst), { invocations: b.invocations, audit: b.audit });
    });
  });
}

batchSuite('sqlite', async () => sqliteKit(), (kit) => storeWorkerSink({ store: { kind: 'sqlite', path: kit.location } }));

const pgSkip = await pgProblem();
if (pgSkip) {
  describe('store batches: postgres', () => {
    it('needs PostgreSQL', { skip: pgSkip }, () => {});
  });
} else {
  batchSuite('postgres', postgresKit, (kit) => storeWorkerSink({ store: { kind: 'postgres', url: kit.location, maxConnections: 2 } }));

  describe('store batches: postgres connection use', () => {
    const withPool = async (maxConnections: number, fn: (s: Store) => Promise<void>) => {
      const kit = await postgresKit();
      const s = await openStore({ kind: 'postgres', url: kit.location, maxConnections });
      try {
        await fn(s);
      } finally {
        await s.close();
        await kit.cleanup();
      }
    };

    it('writes with a pool of one connection', { timeout: 20_000 }, () =>
      withPool(1, async (s) => {
        const b = rows(ROWS);
        await s.records.writeBatch(b);
        assert.deepEqual(await stored(s, b.app, b.inst), { invocations: b.invocations, audit: b.audit });
      }));

    it('runs concurrent batches on a two-connection pool without them waiting on each other forever', { timeout: 20_000 }, () =>
      withPool(2, async (s) => {
        const bs = [rows(300), rows(300), rows(300)];
        await Promise.all(bs.map((b) => s.records.writeBatch(b)));
        for (const b of bs) assert.deepEqual(await stored(s, b.app, b.inst), { invocations: b.invocations, audit: b.audit });
      }));
  });
}
