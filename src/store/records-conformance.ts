/**
 * The records part of the store conformance suite (called from conformance.ts with two Store objects on one
 * database). Each test works under random instance ids and far-future times, apart from the other tests.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { AuditRow, InvocationRow } from './records-types.js';
import { StoreConflictError, type Store } from './types.js';

const rid = (n = 6) => randomBytes(n).toString('hex');

function inv(over: Partial<InvocationRow> = {}): InvocationRow {
  return {
    requestId: `req_${rid()}`,
    time: new Date(Date.UTC(2300, 0, 1)),
    instanceId: 'i',
    action: 'InvokeModel',
    hash: rid(32),
    body: '{"x":1}',
    ...over,
  };
}

function audit(instanceId: string, seq: number, over: Partial<AuditRow> = {}): AuditRow {
  return {
    instanceId,
    seq,
    eventId: `ev_${rid()}`,
    time: new Date(Date.UTC(2300, 0, 1) + seq),
    eventName: 'InvokeModel',
    readOnly: false,
    prevHash: `p${seq}`,
    hash: `h${seq}`,
    body: `{"seq":${seq}}`,
    ...over,
  };
}

export function recordsConformance(a: () => Store, b: () => Store): void {
  describe('records', () => {
    it('inserts invocation rows idempotently and reads every field back', async () => {
      const app = `app-${rid()}`;
      const full = inv({
        application: app, principalId: 'apikey:k1', model: 'gpt-4o-mini', status: 200, errorCode: 'rate_limited',
        decision: 'allow', guardrailAction: 'ANONYMIZED', subject: 'user:bob', time: new Date(Date.UTC(2300, 0, 1, 0, 0, 0, 123)),
      });
      const minimal = inv({ application: undefined });
      await a().records.insertInvocations([full, minimal]);
      await a().records.insertInvocations([{ ...full, body: '{"changed":true}' }]);
      assert.deepEqual(await b().records.getInvocation(full.requestId), full, 'first write wins: a replay cannot overwrite');
      const m = await b().records.getInvocation(minimal.requestId);
      assert.equal(m?.principalId, undefined);
      await a().records.insertInvocations([]);
    });

    it('filters invocation queries, newest first, and rejects unknown filters', async () => {
      const app = `app-${rid()}`;
      const t = Date.UTC(2301, 0, 1);
      const rows = [
        inv({ application: app, time: new Date(t + 1), principalId: 'p1', model: 'm1', decision: 'allow', guardrailAction: 'NONE' }),
        inv({ application: app, time: new Date(t + 2), principalId: 'p2', model: 'm2', decision: 'deny', action: 'Embed' }),
        inv({ application: app, time: new Date(t + 3), principalId: 'p1', model: 'm1', decision: 'allow', guardrailAction: 'INTERVENED' }),
      ];
      await a().records.insertInvocations(rows);
      const q = (f: object) => b().records.queryInvocations({ application: app, ...f }).then((r) => r.map((x) => x.requestId));
      assert.deepEqual(await q({}), [rows[2], rows[1], rows[0]].map((r) => r.requestId));
      assert.deepEqual(await q({ principalId: 'p1' }), [rows[2].requestId, rows[0].requestId]);
      assert.deepEqual(await q({ model: 'm2' }), [rows[1].requestId]);
      assert.deepEqual(await q({ action: 'Embed' }), [rows[1].requestId]);
      assert.deepEqual(await q({ decision: 'deny' }), [rows[1].requestId]);
      assert.deepEqual(await q({ guardrailAction: 'INTERVENED' }), [rows[2].requestId]);
      assert.deepEqual(await q({ since: new Date(t + 2), until: new Date(t + 3) }), [rows[1].requestId]);
      assert.deepEqual(await q({ limit: 1 }), [rows[2].requestId]);
      await assert.rejects(b().records.queryInvocations({ bogus: 1 } as never), TypeError);
      await assert.rejects(b().records.queryInvocations({ limit: 0 }), TypeError);
      await assert.rejects(b().records.queryInvocations({ since: new Date(Number.NaN) }), TypeError);
      await assert.rejects(b().records.queryAudit({ model: 'm1' }), TypeError);
    });

    it('appends audit rows idempotently, pages by seq, reports heads, deletes a prefix', async () => {
      const inst = `inst-${rid()}`;
      const rows = Array.from({ length: 30 }, (_, i) => audit(inst, i + 1, i === 4 ? { principalId: 'p9', decision: 'deny', readOnly: true } : {}));
      await a().records.appendAudit(rows.slice(0, 20));
      await a().records.appendAudit(rows.slice(15));
      assert.deepEqual(await b().records.readAudit(inst, 0, 1000), rows);
      assert.deepEqual((await b().records.readAudit(inst, 10, 5)).map((r) => r.seq), [11, 12, 13, 14, 15]);
      assert.deepEqual((await b().records.auditHeads()).find((h) => h.instanceId === inst), { instanceId: inst, firstSeq: 1, lastSeq: 30, lastHash: 'h30' });
      assert.equal(await b().records.auditHash(inst, 7), 'h7');
      assert.deepEqual(await b().records.auditHead(inst), { seq: 30, hash: 'h30' });
      assert.equal(await b().records.auditHead(`none-${rid()}`), undefined);
      assert.equal(await b().records.auditHash(inst, 99), undefined);
      assert.equal(await b().records.lastAuditBefore(inst, rows[10].time), 10);
      const denied = await b().records.queryAudit({ principalId: 'p9', decision: 'deny' });
      assert.deepEqual(denied, [rows[4]]);
      assert.equal(await a().records.deleteAuditThrough(inst, 10), 10);
      assert.equal((await b().records.auditHeads()).find((h) => h.instanceId === inst)?.firstSeq, 11);
      await assert.rejects(a().records.appendAudit([audit(inst, 0)]), TypeError);
    });

    it('keeps digests unique by seq and lists them in order', async () => {
      const existing = await a().records.listDigests();
      const seq = (existing.at(-1)?.seq ?? 0) + 1;
      const d = { seq, time: new Date(Date.UTC(2302, 0, 1)), keyFingerprint: 'fp', body: '{}', signature: 'sig' };
      await a().records.appendDigest(d);
      await assert.rejects(b().records.appendDigest({ ...d, signature: 'other' }), StoreConflictError);
      assert.deepEqual((await b().records.listDigests()).at(-1), d);
    });

    it('stores, lists and destroys subject keys', async () => {
      const subject = `user:${rid()}`;
      const k = { subject, keyId: 'sk_1', wrapped: 'w1', createdAt: new Date(Date.UTC(2300, 0, 1)) };
      await a().records.putSubjectKey(k);
      await a().records.putSubjectKey(k);
      await a().records.putSubjectKey({ ...k, keyId: 'sk_2' });
      assert.equal((await b().records.getSubjectKeys(subject)).length, 2);
      assert.equal(await b().records.deleteSubjectKeys(subject), 2);
      assert.deepEqual(await a().records.getSubjectKeys(subject), []);
    });

    it('lets one holder at a time run under a named lock', async () => {
      const name = `lock-${rid()}`;
      let release!: () => void;
      let entered!: () => void;
      const held = new Promise<void>((r) => (release = r));
      const inside = new Promise<void>((r) => (entered = r));
      const first = a().records.withLock(name, async () => {
        entered();
        await held;
        return 'first';
      });
      await inside;
      assert.equal(await b().records.withLock(name, async () => 'second'), undefined, 'refused while held');
      release();
      assert.equal(await first, 'first');
      assert.equal(await b().records.withLock(name, async () => 'third'), 'third', 'free again');
    });
  });
}
