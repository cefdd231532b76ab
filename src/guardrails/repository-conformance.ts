/**
 * The one behaviour suite every GuardrailRepository must pass (memory, and the store's table on SQLite and
 * PostgreSQL through StoreGuardrailRepository); run from repository.test.ts. `a` and `b` are two handles on one
 * backing store (two Store instances on one database, or the same memory repository twice). Tests share that
 * store, so each works under its own random ids.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DRAFT, type GuardrailRecord, type GuardrailRepository } from './registry.js';
import { parseGuardrailDefinition, type GuardrailDefinition } from './schema.js';
import { StoreConflictError } from '../store/types.js';

export interface RepositoryPair {
  a: GuardrailRepository;
  b: GuardrailRepository;
  close(): Promise<void>;
}

const rid = () => randomBytes(6).toString('hex');

/** Parsed, as the registry stores them, so a read-back compares equal whatever the defaults. */
function words(word: string): GuardrailDefinition {
  return parseGuardrailDefinition({
    name: 'words',
    blockedInputMessaging: 'blocked',
    blockedOutputsMessaging: 'blocked',
    wordPolicyConfig: { wordsConfig: [{ text: word }] },
  });
}

/** Millisecond-precise instants far from now, so a store that rounds or substitutes its own clock is caught. */
const at = (n: number) => new Date(Date.UTC(2301, 0, 1, 0, 0, 0, 0) + n * 1001 + 7);

function draft(over: Partial<GuardrailRecord> = {}): GuardrailRecord {
  return { id: `g-${rid()}`, version: DRAFT, definition: words('alpha'), createdAt: at(0), updatedAt: at(1), ...over };
}

const text = (rec: GuardrailRecord | undefined) => rec?.definition.wordPolicyConfig?.wordsConfig?.[0].text;

export function guardrailRepositoryConformance(name: string, open: () => Promise<RepositoryPair>): void {
  describe(`guardrail repository conformance: ${name}`, () => {
    let a: GuardrailRepository;
    let b: GuardrailRepository;
    let pair: RepositoryPair | undefined;
    before(async () => {
      pair = await open();
      ({ a, b } = pair);
    });
    after(async () => {
      await pair?.close();
    });

    it('stores a DRAFT and reads back every field exactly, from the other instance too', async () => {
      const plain = draft();
      const described = draft({ description: 'made by hand' });
      await a.insert(plain);
      await a.insert(described);
      assert.deepEqual(await b.get(plain.id, DRAFT), plain);
      assert.deepEqual(await b.get(described.id, DRAFT), described);
      assert.deepEqual(await b.versions(plain.id), [DRAFT]);
      const ids = await b.ids();
      assert.ok(ids.includes(plain.id) && ids.includes(described.id));
    });

    it('lists ids in code-unit order, whatever the database locale', async () => {
      const r = rid();
      const upper = draft({ id: `Zz-${r}` });
      const lower = draft({ id: `aa-${r}` });
      await a.insert(lower);
      await a.insert(upper);
      const ids = await b.ids();
      assert.deepEqual(ids, [...ids].sort());
      assert.ok(ids.indexOf(upper.id) < ids.indexOf(lower.id), "'Z' sorts before 'a'");
    });

    it('refuses a second guardrail with an existing id and keeps the first', async () => {
      const rec = draft();
      await a.insert(rec);
      await assert.rejects(b.insert(draft({ id: rec.id, definition: words('other') })), StoreConflictError);
      await a.snapshot(rec.id, undefined, at(2));
      await assert.rejects(a.insert(draft({ id: rec.id })), StoreConflictError);
      assert.deepEqual(await a.get(rec.id, DRAFT), rec);
      assert.deepEqual(await a.versions(rec.id), [DRAFT, '1']);
    });

    it('refuses to insert anything but a DRAFT', async () => {
      const rec = draft({ version: '1' });
      await assert.rejects(a.insert(rec), TypeError);
      assert.equal(await a.get(rec.id, '1'), undefined);
      assert.equal(await a.get(rec.id, DRAFT), undefined);
      assert.ok(!(await a.ids()).includes(rec.id));
    });

    it('numbers snapshots 1, 2, ..., each holding the DRAFT of its moment', async () => {
      const rec = draft();
      await a.insert(rec);
      const v1 = await a.snapshot(rec.id, 'first', at(2));
      assert.deepEqual(v1, { id: rec.id, version: '1', definition: words('alpha'), description: 'first', createdAt: at(2), updatedAt: at(2) });
      const updated = await b.replaceDraft(rec.id, words('beta'), at(3));
      assert.deepEqual(updated, { ...rec, definition: words('beta'), updatedAt: at(3) }, 'createdAt stays');
      const v2 = await b.snapshot(rec.id, undefined, at(4));
      assert.deepEqual(v2, { id: rec.id, version: '2', definition: words('beta'), createdAt: at(4), updatedAt: at(4) });
      assert.deepEqual(await a.get(rec.id, '1'), v1);
      assert.deepEqual(await a.get(rec.id, '2'), v2);
      assert.deepEqual(await a.get(rec.id, DRAFT), updated);
      assert.deepEqual(await a.versions(rec.id), [DRAFT, '1', '2']);
    });

    it('replaceDraft changes only the DRAFT; numbered versions never change', async () => {
      const rec = draft();
      await a.insert(rec);
      const v1 = await a.snapshot(rec.id, 'keep', at(2));
      for (const [i, w] of ['beta', 'gamma', 'delta'].entries()) await b.replaceDraft(rec.id, words(w), at(3 + i));
      assert.deepEqual(await a.get(rec.id, '1'), v1);
      assert.equal(text(await a.get(rec.id, DRAFT)), 'delta');
      assert.deepEqual(await a.versions(rec.id), [DRAFT, '1']);
      // A returned record is a copy: changing it changes nothing stored.
      const copy = await a.get(rec.id, '1');
      copy!.definition.wordPolicyConfig!.wordsConfig![0].text = 'mutated';
      assert.equal(text(await a.get(rec.id, '1')), 'alpha');
    });

    it('orders versions numerically past 9', async () => {
      const rec = draft();
      await a.insert(rec);
      for (let i = 1; i <= 11; i++) await (i % 2 ? a : b).snapshot(rec.id, `v${i}`, at(i));
      assert.deepEqual(await b.versions(rec.id), [DRAFT, ...Array.from({ length: 11 }, (_, i) => String(i + 1))]);
      assert.equal((await b.get(rec.id, '10'))?.description, 'v10');
    });

    it('gives concurrent createVersion calls distinct consecutive numbers', async () => {
      const rec = draft();
      await a.insert(rec);
      const n = 12;
      const made = await Promise.all(
        Array.from({ length: n }, (_, i) => (i % 2 ? a : b).snapshot(rec.id, `s${i}`, at(i + 2))),
      );
      const numbers = made.map((v) => Number(v?.version)).sort((x, y) => x - y);
      assert.deepEqual(numbers, Array.from({ length: n }, (_, i) => i + 1));
      for (const v of made) assert.equal((await a.get(rec.id, v!.version))?.description, v!.description, 'each number holds its own call');
      assert.equal(new Set(made.map((v) => v?.description)).size, n);
      assert.equal((await a.versions(rec.id)).length, n + 1);
    });

    it('answers unknown ids and versions with undefined or [], creating nothing', async () => {
      const unknown = `none-${rid()}`;
      assert.equal(await a.get(unknown, DRAFT), undefined);
      assert.equal(await a.get(unknown, '1'), undefined);
      assert.deepEqual(await a.versions(unknown), []);
      assert.equal(await a.replaceDraft(unknown, words('x'), at(2)), undefined);
      assert.equal(await a.snapshot(unknown, 'x', at(3)), undefined);
      assert.equal(await b.get(unknown, DRAFT), undefined, 'replaceDraft did not create a DRAFT');
      assert.deepEqual(await b.versions(unknown), [], 'snapshot did not create a version');
      assert.ok(!(await b.ids()).includes(unknown));

      const rec = draft();
      await a.insert(rec);
      await a.snapshot(rec.id, undefined, at(2));
      for (const v of ['2', '0', '01', '-1', '1.0', ' 1', '1e0', 'draft', '', '2147483648', '99999999999999999999']) {
        assert.equal(await b.get(rec.id, v), undefined, `version ${JSON.stringify(v)}`);
      }
      assert.equal((await b.get(rec.id, '1'))?.version, '1');
    });
  });
}
