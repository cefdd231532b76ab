/**
 * The governance part of the store conformance suite (called from conformance.ts with two Store objects on one
 * database). Each test works under random ids so tests stay apart.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { StoreConflictError, type Store } from './types.js';

const rid = (n = 6) => randomBytes(n).toString('hex');

export function governanceConformance(a: () => Store, b: () => Store): void {
  describe('governance', () => {
    it('creates, reads, updates with the expected version and lists documents by id', async () => {
      const id = `m-${rid()}`;
      const at = new Date(Date.UTC(2300, 0, 1, 0, 0, 0, 7));
      assert.equal(await a().governance.putDoc('model', id, '{"v":1}', 0, at), 1);
      const got = await b().governance.getDoc('model', id);
      assert.deepEqual(got, { kind: 'model', id, version: 1, updatedAt: at, body: '{"v":1}' });
      assert.equal(await b().governance.putDoc('model', id, '{"v":2}', 1), 2);
      assert.equal((await a().governance.getDoc('model', id))?.body, '{"v":2}');
      assert.equal(await a().governance.getDoc('application', id), undefined, 'kinds are separate namespaces');
      const ids = (await a().governance.listDocs('model')).map((d) => d.id);
      assert.ok(ids.includes(id));
      assert.deepEqual(ids, [...ids].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)));
    });

    it('refuses a stale version and a duplicate create with StoreConflictError', async () => {
      const id = `app-${rid()}`;
      await a().governance.putDoc('application', id, '{}', 0);
      await assert.rejects(b().governance.putDoc('application', id, '{}', 0), StoreConflictError);
      await a().governance.putDoc('application', id, '{"n":1}', 1);
      await assert.rejects(b().governance.putDoc('application', id, '{"n":2}', 1), StoreConflictError, 'a lost update is refused');
      await assert.rejects(b().governance.putDoc('application', `none-${rid()}`, '{}', 3), StoreConflictError);
      assert.equal((await a().governance.getDoc('application', id))?.body, '{"n":1}');
    });

    it('two concurrent writers at one version: exactly one wins', async () => {
      const id = `ap-${rid()}`;
      await a().governance.putDoc('approval', id, '{}', 0);
      const results = await Promise.allSettled([
        a().governance.putDoc('approval', id, '{"by":"a"}', 1),
        b().governance.putDoc('approval', id, '{"by":"b"}', 1),
      ]);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      assert.equal(results.filter((r) => r.status === 'rejected' && r.reason instanceof StoreConflictError).length, 1);
    });

    it('deletes documents', async () => {
      const id = `m-${rid()}`;
      await a().governance.putDoc('model', id, '{}', 0);
      assert.equal(await b().governance.deleteDoc('model', id), true);
      assert.equal(await b().governance.deleteDoc('model', id), false);
      assert.equal(await a().governance.getDoc('model', id), undefined);
    });

    it('stores assessments and filters them newest first', async () => {
      const app = `app-${rid()}`;
      const model = `model-${rid()}`;
      const t = Date.UTC(2302, 0, 1);
      const rows = [
        { id: `as-${rid()}`, time: new Date(t), application: app, body: '{"n":1}' },
        { id: `as-${rid()}`, time: new Date(t + 1000), application: app, body: '{"n":2}' },
        { id: `as-${rid()}`, time: new Date(t + 2000), model, body: '{"n":3}' },
      ];
      for (const r of rows) await a().governance.insertAssessment(r);
      await assert.rejects(a().governance.insertAssessment(rows[0]), StoreConflictError);
      assert.deepEqual(await b().governance.listAssessments({ application: app }), [rows[1], rows[0]]);
      assert.deepEqual(await b().governance.listAssessments({ model }), [rows[2]]);
      assert.deepEqual(
        await b().governance.listAssessments({ application: app, since: new Date(t + 1), until: new Date(t + 5000) }),
        [rows[1]],
      );
      assert.equal((await b().governance.listAssessments({ application: app, limit: 1 })).length, 1);
      await assert.rejects(b().governance.listAssessments({ limit: 0 }), TypeError);
    });
  });
}
