/**
 * Tamper evidence on real stores: a clean trail verifies; an edited, deleted, inserted, reordered or truncated
 * event, a missing digest and an edited digest are each detected and named with where it happened.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { Store } from '../store/types.js';
import { AuditChain } from './audit.js';
import { writeDigest } from './digest.js';
import { TrustedKeys, generateSigningKey, signerFromPem } from './signing.js';
import { postgresKit, pgProblem, sqliteKit, type TestStoreKit } from './test-stores.js';
import type { AuditEventInput } from './types.js';
import { verifyAudit, type ProblemKind } from './verify.js';

const key = generateSigningKey();
const signer = signerFromPem(key.privateKeyPem);
const trusted = new TrustedKeys();
trusted.add(key.publicKeyPem);
const INTERVAL = 60_000;
const T0 = Date.UTC(2026, 0, 1);

function event(i: number): AuditEventInput {
  return {
    eventName: i % 7 === 0 ? 'ListModels' : 'InvokeModel',
    eventSource: 'rampart.data',
    eventTime: new Date(T0 + i * 1000),
    requestId: `req_${i}`,
    principal: { id: `apikey:key_${i % 3}`, kind: 'api_key', name: 'k', authMethod: 'api_key', roles: [] },
    sourceIPAddress: '10.0.0.1',
    requestParameters: { modelId: 'gpt-4o-mini', api_key: 'must be redacted' },
    readOnly: i % 7 === 0,
    authorization: { decision: 'allow', policyIds: ['p1'], errors: [] },
  };
}

/** 50 events of instance "inst-a", digests after 25 and after 50, plus 10 events of "inst-b". */
async function seed(store: Store): Promise<void> {
  const a = new AuditChain('inst-a');
  const b = new AuditChain('inst-b');
  await store.records.appendAudit(Array.from({ length: 25 }, (_, i) => a.seal(event(i + 1))));
  await store.records.appendAudit(Array.from({ length: 10 }, (_, i) => b.seal(event(i + 1))));
  await writeDigest(store.records, signer, { intervalMs: INTERVAL, now: new Date(T0 + 30_000) });
  await store.records.appendAudit(Array.from({ length: 25 }, (_, i) => a.seal(event(i + 26))));
  await writeDigest(store.records, signer, { intervalMs: INTERVAL, now: new Date(T0 + 90_000) });
  await writeDigest(store.records, signer, { intervalMs: INTERVAL, now: new Date(T0 + 150_000) });
}

type Exec = (sql: string, params?: unknown[]) => Promise<void>;

function execFor(kit: TestStoreKit): { exec: Exec; close: () => Promise<void> } {
  if (kit.kind === 'sqlite') {
    const db = new Database(kit.location);
    return {
      exec: async (sql, params = []) => void db.prepare(sql.replace(/\$\d+/g, '?')).run(...params),
      close: async () => {
        db.close();
      },
    };
  }
  const c = new pg.Client({ connectionString: kit.location });
  const ready = c.connect();
  return {
    exec: async (sql, params = []) => {
      await ready;
      await c.query(sql, params);
    },
    close: () => c.end(),
  };
}

interface Tamper {
  name: string;
  expect: ProblemKind;
  seq?: number;
  apply(exec: Exec, store: Store): Promise<void>;
}

const A = "instance_id = 'inst-a'";
const TAMPERS: Tamper[] = [
  {
    name: 'an edited event',
    expect: 'edited',
    seq: 10,
    apply: (x) => x(`UPDATE audit_events SET body = replace(body, '10.0.0.1', '10.6.6.6') WHERE ${A} AND seq = 10`),
  },
  {
    name: 'a deleted event',
    expect: 'deleted',
    seq: 20,
    apply: (x) => x(`DELETE FROM audit_events WHERE ${A} AND seq = 20`),
  },
  {
    name: 'an inserted event (later events renumbered)',
    expect: 'inserted',
    seq: 30,
    async apply(x, store) {
      await x(`UPDATE audit_events SET seq = seq + 1000 WHERE ${A} AND seq >= 30`);
      await x(`UPDATE audit_events SET seq = seq - 999 WHERE ${A} AND seq >= 1000`);
      const h29 = await store.records.auditHash('inst-a', 29);
      const forged = new AuditChain('inst-a', { seq: 29, hash: h29! }).seal({ ...event(999), eventName: 'ManageKeys' });
      await store.records.appendAudit([forged]);
    },
  },
  {
    name: 'two reordered events',
    expect: 'reordered',
    seq: 40,
    async apply(x) {
      await x(`UPDATE audit_events SET seq = -1 WHERE ${A} AND seq = 40`);
      await x(`UPDATE audit_events SET seq = 40 WHERE ${A} AND seq = 41`);
      await x(`UPDATE audit_events SET seq = 41 WHERE ${A} AND seq = -1`);
    },
  },
  {
    name: 'a truncated trail',
    expect: 'truncated',
    seq: 46,
    apply: (x) => x(`DELETE FROM audit_events WHERE ${A} AND seq > 45`),
  },
  {
    name: 'a deleted digest',
    expect: 'missing_digest',
    apply: (x) => x('DELETE FROM audit_digests WHERE seq = 2'),
  },
  {
    name: 'an edited digest',
    expect: 'bad_signature',
    apply: (x) => x(`UPDATE audit_digests SET body = replace(body, '"count":25', '"count":24') WHERE seq = 2`),
  },
];

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`audit verify on ${kind}`, async () => {
    const problem = kind === 'postgres' ? await pgProblem() : undefined;
    const kits: TestStoreKit[] = [];
    after(async () => {
      for (const k of kits) await k.cleanup();
    });
    const fresh = async () => {
      const kit = kind === 'sqlite' ? sqliteKit() : await postgresKit();
      kits.push(kit);
      const store = await kit.open();
      await seed(store);
      return { kit, store };
    };

    it('accepts an untouched trail', { skip: problem }, async () => {
      const { store } = await fresh();
      try {
        const r = await verifyAudit(store.records, trusted, { now: new Date(T0 + 160_000) });
        assert.deepEqual(r.problems, []);
        assert.equal(r.ok, true);
        assert.equal(r.events, 60);
        assert.equal(r.digests, 3);
        assert.equal(r.instances, 2);
        const body = (await store.records.readAudit('inst-a', 0, 1))[0].body;
        assert.ok(!body.includes('must be redacted'), 'secret-looking parameters are redacted');
      } finally {
        await store.close();
      }
    });

    for (const t of TAMPERS) {
      it(`detects ${t.name}`, { skip: problem }, async () => {
        const { kit, store } = await fresh();
        const { exec, close } = execFor(kit);
        try {
          await t.apply(exec, store);
          const r = await verifyAudit(store.records, trusted, { now: new Date(T0 + 160_000) });
          assert.equal(r.ok, false);
          if (process.env.RAMPART_DEBUG_VERIFY) console.log(t.name, JSON.stringify(r.problems));
          const hit = r.problems.find((p) => p.kind === t.expect);
          assert.ok(hit, `expected a ${t.expect} problem, got ${JSON.stringify(r.problems)}`);
          if (t.seq !== undefined) {
            assert.equal(hit.seq, t.seq, hit.message);
            assert.equal(hit.instanceId, 'inst-a');
          }
        } finally {
          await close();
          await store.close();
        }
      });
    }

    it('names a missing recent digest and an untrusted signing key', { skip: problem }, async () => {
      const { store } = await fresh();
      try {
        const late = await verifyAudit(store.records, trusted, { now: new Date(T0 + 150_000 + 3 * INTERVAL) });
        assert.ok(late.problems.some((p) => p.kind === 'missing_digest' && /no digest since/.test(p.message)));
        const stranger = new TrustedKeys();
        stranger.add(generateSigningKey().publicKeyPem);
        const r = await verifyAudit(store.records, stranger);
        assert.ok(r.problems.some((p) => p.kind === 'untrusted_key'));
      } finally {
        await store.close();
      }
    });
  });
}
