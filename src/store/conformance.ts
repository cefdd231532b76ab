/**
 * The one behaviour suite every Store implementation must pass. Call it from a *.test.ts file:
 *
 *   storeConformance('sqlite', () => openStore({ kind: 'sqlite', path, pollIntervalMs: 20 }), freshSqlite);
 *
 * `open` must return a new Store object on the same (migrated) database each call; tests share that database,
 * so each test works under its own random ids. `fresh`, when given, creates an empty database and returns an
 * opener for it whose stores start unmigrated (autoMigrate: false).
 */
import { randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { recordsConformance } from './records-conformance.js';
import { governanceConformance } from './governance-conformance.js';
import {
  RESYNC_TOPIC,
  StoreConflictError,
  StoreNotFoundError,
  type ApiKeyRecord,
  type RequestLogRecord,
  type Store,
} from './types.js';

/** Generous: only a hung implementation reaches it. Assertions never depend on elapsed time. */
const WAIT = { timeout: 20_000 };

const rid = (n = 8) => randomBytes(n).toString('hex');

function fullKey(over: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  return {
    id: `key_${rid()}`,
    name: 'ci deploy key',
    owner: 'alice@example.com',
    createdBy: 'admin@example.com',
    hash: rid(32),
    prefix: 'rk_live_ab12',
    roles: ['developer', 'reader'],
    team: 'platform',
    application: `app-${rid(4)}`,
    allowedNetworks: ['10.0.0.0/8', '2001:db8::/32'],
    createdAt: new Date(1_764_000_000_123),
    expiresAt: new Date(1_795_000_000_999),
    lastUsedAt: new Date(1_764_100_000_001),
    graceUntil: new Date(1_764_200_000_456),
    replacedBy: `key_${rid()}`,
    ...over,
  };
}

function minimalKey(over: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  return {
    id: `key_${rid()}`,
    name: 'minimal',
    hash: rid(32),
    prefix: 'rk_live_00',
    roles: [],
    createdAt: new Date(1_764_000_000_000),
    ...over,
  };
}

/**
 * Resolves with the topics starting with `prefix` that `store` heard, once `until` has been heard. The prefix
 * keeps notices still in flight from earlier tests (NOTIFY is asynchronous) out of the assertion.
 */
function collect(
  store: Store,
  prefix: string,
  until: string,
): { topics: string[]; done: Promise<string[]>; stop: () => void } {
  const topics: string[] = [];
  let stop = () => {};
  // Pollers and listeners are unref'd by design, so while a test awaits a delivery something must hold the loop.
  const keepAlive = setInterval(() => {}, 1000);
  const done = new Promise<string[]>((resolve) => {
    stop = store.changes.subscribe((t) => {
      if (t.startsWith(prefix)) topics.push(t);
      if (t === until) {
        clearInterval(keepAlive);
        resolve(topics);
      }
    });
  });
  return {
    topics,
    done,
    stop: () => {
      clearInterval(keepAlive);
      stop();
    },
  };
}

export function storeConformance(
  name: string,
  open: () => Promise<Store>,
  fresh?: () => Promise<() => Promise<Store>>,
): void {
  describe(`store conformance: ${name}`, () => {
    let a: Store;
    let b: Store;
    before(async () => {
      a = await open();
      b = await open();
    });
    after(async () => {
      await a?.close();
      await b?.close();
    });

    describe('keys', () => {
      it('creates and reads back every field exactly, dates to the millisecond', async () => {
        const rec = fullKey();
        await a.keys.create(rec);
        assert.deepEqual(await a.keys.get(rec.id), rec);
        assert.deepEqual(await b.keys.get(rec.id), rec, 'visible to another instance');
        const got = await a.keys.get(rec.id);
        assert.equal(got?.createdAt.getTime(), 1_764_000_000_123);
        assert.ok(got?.createdAt instanceof Date);
      });

      it('leaves absent optional fields absent and keeps empty lists', async () => {
        const rec = minimalKey({ allowedNetworks: [] });
        await a.keys.create(rec);
        assert.deepEqual(await a.keys.get(rec.id), rec);
        assert.equal(await a.keys.get(`key_${rid()}`), undefined);
      });

      it('finds a key by hash', async () => {
        const rec = fullKey();
        await a.keys.create(rec);
        assert.deepEqual(await b.keys.findByHash(rec.hash), rec);
        assert.equal(await a.keys.findByHash(rid(32)), undefined);
      });

      it('rejects a duplicate hash or id with StoreConflictError and keeps the original', async () => {
        const rec = fullKey();
        await a.keys.create(rec);
        await assert.rejects(a.keys.create(minimalKey({ hash: rec.hash })), StoreConflictError);
        await assert.rejects(a.keys.create(minimalKey({ id: rec.id })), StoreConflictError);
        assert.deepEqual(await a.keys.findByHash(rec.hash), rec);
      });

      it('rejects invalid records without writing them', async () => {
        const bad = minimalKey({ createdAt: new Date(Number.NaN) });
        await assert.rejects(a.keys.create(bad), TypeError);
        await assert.rejects(a.keys.create({ ...minimalKey(), roles: [1] as unknown as string[] }), TypeError);
        await assert.rejects(a.keys.create({ ...minimalKey(), name: undefined } as unknown as ApiKeyRecord), TypeError);
        assert.equal(await a.keys.get(bad.id), undefined);
      });

      it('revokes, rotates and clears fields via update', async () => {
        const rec = minimalKey();
        await a.keys.create(rec);
        const revokedAt = new Date(1_764_300_000_789);
        await a.keys.update(rec.id, { revokedAt, replacedBy: 'key_next', graceUntil: new Date(1_764_400_000_001) });
        const got = await b.keys.get(rec.id);
        assert.equal(got?.revokedAt?.getTime(), revokedAt.getTime());
        assert.equal(got?.replacedBy, 'key_next');
        assert.equal(got?.hash, rec.hash, 'untouched fields stay');
        await a.keys.update(rec.id, { graceUntil: undefined, roles: ['admin'], name: 'renamed' });
        const again = await a.keys.get(rec.id);
        assert.equal('graceUntil' in (again ?? {}), false);
        assert.deepEqual(again?.roles, ['admin']);
        assert.equal(again?.name, 'renamed');
        await a.keys.update(rec.id, {});
      });

      it('fails update on an unknown id, an immutable field or a cleared required field', async () => {
        await assert.rejects(a.keys.update(`key_${rid()}`, { name: 'x' }), StoreNotFoundError);
        await assert.rejects(a.keys.update(`key_${rid()}`, {}), StoreNotFoundError);
        const rec = minimalKey();
        await a.keys.create(rec);
        await assert.rejects(a.keys.update(rec.id, { hash: 'x' } as never), TypeError);
        await assert.rejects(a.keys.update(rec.id, { bogus: 1 } as never), TypeError);
        await assert.rejects(a.keys.update(rec.id, { name: undefined }), TypeError);
        assert.deepEqual(await a.keys.get(rec.id), rec);
      });

      it('touches last-used in a batch, ignoring unknown ids and never moving backwards', async () => {
        const k1 = minimalKey();
        const k2 = minimalKey({ lastUsedAt: new Date(1_800_000_000_000) });
        await a.keys.create(k1);
        await a.keys.create(k2);
        const at = new Date(1_770_000_000_321);
        await a.keys.touch([k1.id, k2.id, `key_${rid()}`], at);
        assert.equal((await a.keys.get(k1.id))?.lastUsedAt?.getTime(), at.getTime());
        assert.equal((await a.keys.get(k2.id))?.lastUsedAt?.getTime(), 1_800_000_000_000);
        await a.keys.touch([], at);
      });

      it('lists newest first, filtered by application, hiding revoked keys by default', async () => {
        const app = `app-${rid(4)}`;
        const older = minimalKey({ application: app, createdAt: new Date(1_764_000_000_001) });
        const newer = minimalKey({ application: app, createdAt: new Date(1_764_000_000_002) });
        const revoked = minimalKey({ application: app, revokedAt: new Date(1_764_000_000_500) });
        const elsewhere = minimalKey({ application: `app-${rid(4)}` });
        for (const k of [older, revoked, newer, elsewhere]) await a.keys.create(k);

        assert.deepEqual(await b.keys.list({ application: app }), [newer, older]);
        const all = await b.keys.list({ application: app, includeRevoked: true });
        assert.deepEqual(new Set(all.map((k) => k.id)), new Set([older.id, newer.id, revoked.id]));
        const everything = await b.keys.list();
        assert.ok(everything.some((k) => k.id === elsewhere.id));
        assert.ok(!everything.some((k) => k.id === revoked.id));
        assert.ok(everything.every((k) => k.revokedAt === undefined));
      });
    });

    describe('request log', () => {
      it('inserts 1,000 rows in one batch and queries them newest first', async () => {
        // Far-future times keep this test's rows apart from anything else in the shared database.
        const base = Date.UTC(2190, 0, 1) + Math.floor(Math.random() * 1e9);
        const records: RequestLogRecord[] = Array.from({ length: 1000 }, (_, i) => {
          const r: RequestLogRecord = {
            requestId: `req_${i}`,
            time: new Date(base + i),
            clientApi: i % 2 ? 'openai' : 'anthropic',
            operation: 'chat',
            sourceIp: '127.0.0.1',
            status: i % 10 === 0 ? 429 : 200,
            latencyMs: i + 0.25,
            stream: i % 3 === 0,
          };
          if (i % 2) {
            Object.assign(r, {
              model: 'gpt-4o-mini',
              deployment: 'demo-1',
              principalId: 'key_abc',
              errorCode: 'rate_limited',
              inputTokens: i,
              outputTokens: 2 * i,
              firstByteMs: 12.5,
              truncated: i % 4 === 1,
            });
          }
          return r;
        });
        await a.requestLog.insertMany(records);

        const since = new Date(base);
        const got = await b.requestLog.query({ since, limit: 5000 });
        assert.equal(got.length, 1000);
        assert.deepEqual(got, [...records].reverse());

        const top = await b.requestLog.query({ since, limit: 10 });
        assert.deepEqual(
          top.map((r) => r.requestId),
          Array.from({ length: 10 }, (_, i) => `req_${999 - i}`),
        );
        const tail = await b.requestLog.query({ since: new Date(base + 995), limit: 100 });
        assert.deepEqual(
          tail.map((r) => r.requestId),
          ['req_999', 'req_998', 'req_997', 'req_996', 'req_995'],
          'since is inclusive',
        );
        assert.equal((await b.requestLog.query({})).length, 100, 'limit defaults to 100');
        await a.requestLog.insertMany([]);
      });

      it('rejects a batch containing an invalid record without writing any of it', async () => {
        const t = Date.UTC(2195, 0, 1) + Math.floor(Math.random() * 1e9);
        const good: RequestLogRecord = {
          requestId: `req_${rid()}`,
          time: new Date(t),
          clientApi: 'openai',
          operation: 'chat',
          sourceIp: '::1',
          status: 200,
          latencyMs: 3,
          stream: false,
        };
        const bad = { ...good, status: 200.5 };
        await assert.rejects(a.requestLog.insertMany([good, bad]), TypeError);
        assert.deepEqual(await a.requestLog.query({ since: new Date(t) }), []);
        await assert.rejects(a.requestLog.query({ limit: 0 }), TypeError);
      });
    });

    describe('kv', () => {
      it('reads missing as undefined and overwrites on set', async () => {
        const key = `k_${rid()}`;
        assert.equal(await a.kv.get(key), undefined);
        await a.kv.set(key, 'one');
        assert.equal(await b.kv.get(key), 'one');
        await b.kv.set(key, '');
        assert.equal(await a.kv.get(key), '');
        await b.kv.set(key, 'three ✓');
        assert.equal(await a.kv.get(key), 'three ✓');
      });
    });

    describe('changes', () => {
      it('delivers a publish to local subscribers at once', async () => {
        const heard: string[] = [];
        const stop = a.changes.subscribe((t) => heard.push(t));
        await a.changes.publish('local-topic');
        stop();
        await a.changes.publish('after-stop');
        assert.deepEqual(heard, ['local-topic']);
        await assert.rejects(a.changes.publish(''), TypeError);
      });

      it('delivers to a second store instance on the same database, without echoing', WAIT, async () => {
        const p = `t${rid(4)}-`;
        const onB = collect(b, p, `${p}from-a`);
        const onA = collect(a, p, `${p}from-b`);
        try {
          await a.changes.publish(`${p}from-a`);
          assert.deepEqual(await onB.done, [`${p}from-a`]);
          await b.changes.publish(`${p}from-b`);
          // A hears its own publish once (locally), never again as an echo, then B's.
          assert.deepEqual(await onA.done, [`${p}from-a`, `${p}from-b`]);
        } finally {
          onA.stop();
          onB.stop();
        }
      });

      it('stops delivering after unsubscribe and survives a throwing subscriber', WAIT, async () => {
        const dropped: string[] = [];
        const stopDropped = b.changes.subscribe((t) => dropped.push(t));
        const throwing = b.changes.subscribe(() => {
          throw new Error('subscriber bug (expected in this test)');
        });
        stopDropped();
        const warned = new Promise<void>((resolve) => {
          const onWarning = (w: Error) => {
            if (w.name !== 'RampartStoreSubscriberError') return;
            process.off('warning', onWarning);
            resolve();
          };
          process.on('warning', onWarning);
        });
        const second = `t${rid(4)}-second`;
        const kept = collect(b, second, second);
        try {
          await a.changes.publish(second);
          await kept.done;
          await warned;
          assert.deepEqual(dropped, []);
        } finally {
          kept.stop();
          throwing();
        }
      });
    });

    describe('migrations', () => {
      it('running migrate again is a no-op that keeps data', async () => {
        const rec = minimalKey();
        await a.keys.create(rec);
        await a.migrate();
        await b.migrate();
        assert.deepEqual(await a.keys.get(rec.id), rec);
      });

      it('two instances migrating an empty database at once both succeed', { skip: !fresh, ...WAIT }, async () => {
        const openFresh = await fresh!();
        const x = await openFresh();
        const y = await openFresh();
        try {
          await assert.rejects(x.kv.get('k'), 'unmigrated database has no tables');
          await Promise.all([x.migrate(), y.migrate(), x.migrate()]);
          await x.kv.set('k', 'v');
          assert.equal(await y.kv.get('k'), 'v');
          await y.migrate();
        } finally {
          await x.close();
          await y.close();
        }
      });
    });

    recordsConformance(() => a, () => b);
    governanceConformance(() => a, () => b);

    it('exports RESYNC_TOPIC as "*"', () => assert.equal(RESYNC_TOPIC, '*'));
  });
}
