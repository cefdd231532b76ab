import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DRAFT, GuardrailRegistry, MemoryGuardrailRepository } from './registry.js';
import { GuardrailConfigError } from './schema.js';
import { standInKit } from './testkit.js';

const def = (word: string) => ({
  name: 'words',
  blockedInputMessaging: 'blocked',
  blockedOutputsMessaging: 'blocked',
  wordPolicyConfig: { wordsConfig: [{ text: word }] },
});

test('create, update DRAFT, snapshot numbered versions that never change', async () => {
  const reg = new GuardrailRegistry(new MemoryGuardrailRepository(), standInKit());
  const rec = await reg.create(def('alpha'));
  assert.match(rec.id, /^[a-z0-9]{12}$/);
  assert.equal(rec.version, DRAFT);

  const v1 = await reg.createVersion(rec.id, 'first');
  assert.equal(v1?.version, '1');
  await reg.updateDraft(rec.id, def('beta'));
  const v2 = await reg.createVersion(rec.id);
  assert.equal(v2?.version, '2');
  await reg.updateDraft(rec.id, def('gamma'));

  assert.deepEqual(await reg.versions(rec.id), [DRAFT, '1', '2']);
  assert.equal((await reg.get(rec.id, '1'))?.definition.wordPolicyConfig?.wordsConfig?.[0].text, 'alpha');
  assert.equal((await reg.get(rec.id, '1'))?.description, 'first');
  assert.equal((await reg.get(rec.id, '2'))?.definition.wordPolicyConfig?.wordsConfig?.[0].text, 'beta');
  assert.equal((await reg.get(rec.id))?.definition.wordPolicyConfig?.wordsConfig?.[0].text, 'gamma');
  assert.equal(await reg.get(rec.id, '3'), undefined);
  assert.equal(await reg.get(rec.id, '01'), undefined);
  assert.equal(await reg.get('nope', '1'), undefined);

  // A returned record is a copy: changing it does not change the stored version.
  const copy = await reg.get(rec.id, '1');
  copy!.definition.wordPolicyConfig!.wordsConfig![0].text = 'mutated';
  assert.equal((await reg.get(rec.id, '1'))?.definition.wordPolicyConfig?.wordsConfig?.[0].text, 'alpha');
});

test('resolve compiles each version; the DRAFT evaluator follows updates', async () => {
  const reg = new GuardrailRegistry(new MemoryGuardrailRepository(), standInKit());
  const { id } = await reg.create(def('alpha'), { id: 'fixed-id' });
  await reg.createVersion(id);
  await reg.updateDraft(id, def('beta'));
  const v1 = await reg.resolve(id, '1');
  const draft = await reg.resolve(id);
  assert.equal(v1?.version, '1');
  assert.equal(v1?.evaluate(['alpha'], 'INPUT').action, 'GUARDRAIL_INTERVENED');
  assert.equal(v1?.evaluate(['beta'], 'INPUT').action, 'NONE');
  assert.equal(draft?.evaluate(['beta'], 'INPUT').action, 'GUARDRAIL_INTERVENED');
  assert.equal(await reg.resolve(id, '1'), v1);
  await reg.updateDraft(id, def('gamma'));
  assert.equal((await reg.resolve(id))?.evaluate(['gamma'], 'INPUT').action, 'GUARDRAIL_INTERVENED');
  assert.equal(await reg.resolve('missing'), undefined);
});

test('invalid definitions are refused before anything is stored', async () => {
  const repo = new MemoryGuardrailRepository();
  const reg = new GuardrailRegistry(repo, standInKit());
  await assert.rejects(reg.create({ ...def('a'), contextualGroundingPolicyConfig: { filtersConfig: [{ type: 'GROUNDING', threshold: 2 }] } }), GuardrailConfigError);
  assert.deepEqual(await repo.ids(), []);
  const { id } = await reg.create(def('a'));
  await assert.rejects(reg.updateDraft(id, { ...def('a'), name: 'bad name!' }), GuardrailConfigError);
  assert.equal((await reg.get(id))?.definition.name, 'words');
  await assert.rejects(reg.create(def('b'), { id }), /exists/);
});
