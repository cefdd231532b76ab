import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DRAFT,
  GUARDRAILS_TOPIC,
  GuardrailRegistry,
  MemoryGuardrailRepository,
  StoreGuardrailRepository,
  type GuardrailRepository,
} from './registry.js';
import { GuardrailConfigError, parseGuardrailDefinition } from './schema.js';
import { openStore, RESYNC_TOPIC, StoreConflictError, type ChangeChannel } from '../store/index.js';
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
  await assert.rejects(reg.create(def('b'), { id }), StoreConflictError);
});

test('a DRAFT changed on another instance is not served stale; numbered versions stay cached', { timeout: 20_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-registry-'));
  const path = join(dir, 'rampart.db');
  const storeA = await openStore({ kind: 'sqlite', path, pollIntervalMs: 10 });
  const storeB = await openStore({ kind: 'sqlite', path, pollIntervalMs: 10 });
  t.after(async () => {
    await storeA.close();
    await storeB.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const regA = new GuardrailRegistry(new StoreGuardrailRepository(storeA.guardrails), standInKit(), { changes: storeA.changes });
  const regB = new GuardrailRegistry(new StoreGuardrailRepository(storeB.guardrails), standInKit(), { changes: storeB.changes });
  // The control: an instance that does not follow the channel keeps what it compiled.
  const deaf = new GuardrailRegistry(new StoreGuardrailRepository(storeB.guardrails), standInKit());

  const { id } = await regA.create(def('alpha'));
  await regA.createVersion(id);
  const v1 = await regB.resolve(id, '1');
  assert.equal((await regB.resolve(id))?.evaluate(['alpha'], 'INPUT').action, 'GUARDRAIL_INTERVENED');
  assert.equal((await deaf.resolve(id))?.evaluate(['alpha'], 'INPUT').action, 'GUARDRAIL_INTERVENED');

  // regB subscribed first, so by the time this subscriber hears the topic regB has dropped its DRAFTs.
  const keepAlive = setInterval(() => {}, 1000);
  const heard = new Promise<void>((resolve) => {
    const stop = storeB.changes.subscribe((topic) => {
      if (topic === GUARDRAILS_TOPIC) {
        stop();
        clearInterval(keepAlive);
        resolve();
      }
    });
  });
  await regA.updateDraft(id, def('beta'));
  await heard;

  const draftB = await regB.resolve(id);
  assert.equal(draftB?.evaluate(['beta'], 'INPUT').action, 'GUARDRAIL_INTERVENED');
  assert.equal(draftB?.evaluate(['alpha'], 'INPUT').action, 'NONE');
  assert.equal(await regB.resolve(id, '1'), v1, 'the numbered version is still the cached evaluator');
  assert.equal((await deaf.resolve(id))?.evaluate(['alpha'], 'INPUT').action, 'GUARDRAIL_INTERVENED', 'without the channel it is stale');
  regA.close();
  regB.close();
});

test('a DRAFT read that races an update is returned but not cached', async () => {
  const repo = new MemoryGuardrailRepository();
  const reg = new GuardrailRegistry(repo, standInKit());
  const { id } = await reg.create(def('alpha'));
  // Hold the next read of the DRAFT until the update has happened, as a slow database would.
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const slow: GuardrailRepository = Object.assign(Object.create(repo) as MemoryGuardrailRepository, {
    async get(gid: string, version: string) {
      const rec = await repo.get(gid, version);
      await held;
      return rec;
    },
  });
  const racing = new GuardrailRegistry(slow, standInKit());
  const pending = racing.resolve(id);
  await racing.updateDraft(id, def('beta'));
  release();
  assert.equal((await pending)?.evaluate(['alpha'], 'INPUT').action, 'GUARDRAIL_INTERVENED', 'the read that started first');
  assert.equal((await racing.resolve(id))?.evaluate(['beta'], 'INPUT').action, 'GUARDRAIL_INTERVENED', 'the next read is fresh');
});

test('updateDraft of an unknown guardrail announces nothing', async () => {
  const published: string[] = [];
  const changes: ChangeChannel = { publish: async (t) => void published.push(t), subscribe: () => () => {} };
  const reg = new GuardrailRegistry(new MemoryGuardrailRepository(), standInKit(), { changes });
  assert.equal(await reg.updateDraft('missing', def('a')), undefined);
  assert.deepEqual(published, []);
  const { id } = await reg.create(def('a'));
  await reg.createVersion(id);
  assert.deepEqual(published, [], 'creating and versioning change no DRAFT another instance could hold');
  await reg.updateDraft(id, def('b'));
  assert.deepEqual(published, [GUARDRAILS_TOPIC]);
});

test('a resync notice drops DRAFT evaluators too', async () => {
  let deliver!: (topic: string) => void;
  const changes: ChangeChannel = { publish: async () => {}, subscribe: (cb) => ((deliver = cb), () => {}) };
  const repo = new MemoryGuardrailRepository();
  const reg = new GuardrailRegistry(repo, standInKit(), { changes });
  const { id } = await reg.create(def('alpha'));
  const first = await reg.resolve(id);
  // Changed behind the registry's back, as another instance would while notices were lost.
  await repo.replaceDraft(id, parseGuardrailDefinition(def('beta')), new Date());
  assert.equal(await reg.resolve(id), first);
  deliver('unrelated');
  assert.equal(await reg.resolve(id), first);
  deliver(RESYNC_TOPIC);
  assert.equal((await reg.resolve(id))?.evaluate(['beta'], 'INPUT').action, 'GUARDRAIL_INTERVENED');
});
