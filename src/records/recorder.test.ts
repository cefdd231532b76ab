/** The Recorder on a real SQLite store: records, content policies, encryption and erasure, durability hooks. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../store/types.js';
import { Keyring } from './crypto.js';
import { ERASED, openPayloads } from './payloads.js';
import { Recorder, type RecorderOptions } from './recorder.js';
import { TrustedKeys, generateSigningKey, signerFromPem } from './signing.js';
import { readSpool } from './spool.js';
import { storeSink } from './sinks/store.js';
import { sqliteKit } from './test-stores.js';
import { fakeContext } from './testing.js';
import type { InvocationRecord } from './types.js';
import type { StreamEvent } from '../translate/ir.js';
import { verifyAudit } from './verify.js';

const kit = sqliteKit();
// One signing key for the file: the tests share a database, and so its digest chain.
const key = generateSigningKey();
const signer = signerFromPem(key.privateKeyPem);
let store: Store;
const dirs: string[] = [];
const spoolDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'rampart-spool-'));
  dirs.push(d);
  return d;
};
before(async () => {
  store = await kit.open();
});
after(async () => {
  await store.close();
  await kit.cleanup();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function recorder(over: Partial<RecorderOptions> = {}): Promise<Recorder> {
  return Recorder.create({ spoolDir: spoolDir(), sinks: [storeSink(store.records)], store: store.records, flushMs: 5, ...over });
}

async function storedRecord(requestId: string): Promise<InvocationRecord> {
  const row = await store.records.getInvocation(requestId);
  assert.ok(row, `no record for ${requestId}`);
  return JSON.parse(row.body) as InvocationRecord;
}

describe('recorder', () => {
  it('writes an invocation record and a linked, chained audit event per call, without secrets', async () => {
    const rec = await recorder({ digest: { signer, intervalMs: 60_000, store: store.records } });
    const ctxs = Array.from({ length: 20 }, (_, i) =>
      fakeContext(i === 3 ? { operation: 'list_models', action: 'ListModels', chat: undefined, response: undefined } : {}),
    );
    for (const c of ctxs) rec.record(c);
    rec.record(ctxs[0]); // a second call for one context is ignored
    await rec.flush();
    assert.equal(rec.stats().recorded, 20);
    assert.equal(rec.stats().delivered, 20);
    const r = await storedRecord(ctxs[0].requestId);
    assert.equal(r.schemaType, 'ModelInvocationLog');
    assert.equal(r.modelId, 'gpt-4o-mini');
    assert.equal(r.identity.arn, 'apikey:key_0123456789abcdef');
    assert.equal(r.input.inputTokenCount, 21);
    assert.equal(r.output.outputTokenCount, 4);
    assert.equal(r.latency.totalMs, 12.5);
    assert.equal(r.latency.timeToFirstTokenMs, 7.5);
    assert.equal(r.deployment?.id, 'demo/gpt-4o-mini');
    assert.deepEqual(r.authorization, { decision: 'allow', policyIds: ['policy0'], errors: [] });
    assert.equal(await store.records.getInvocation(ctxs[3].requestId), undefined, 'list models: audit only');
    const events = await store.records.queryAudit({ principalId: 'apikey:key_0123456789abcdef', limit: 1000 });
    const mine = events.filter((e) => e.instanceId === rec.instanceId);
    assert.equal(mine.length, 20);
    const ev0 = mine.find((e) => e.body.includes(ctxs[0].requestId))!;
    assert.ok(ev0.body.includes(`"invocationHash":"${(await store.records.getInvocation(ctxs[0].requestId))!.hash}"`));
    const all = (await store.records.queryInvocations({ limit: 10_000 })).map((x) => x.body).join('') + mine.map((e) => e.body).join('');
    assert.ok(!all.includes('SECRET'), 'no header or key ever reaches a record');
    await rec.writeDigest();
    const trusted = new TrustedKeys();
    trusted.add(key.publicKeyPem);
    const v = await verifyAudit(store.records, trusted);
    assert.deepEqual(v.problems, []);
    await rec.close();
  });

  it('applies the content policy per application', async () => {
    const rec = await recorder({ content: { default: 'full', applications: { quiet: 'metadata', careful: 'masked' } } });
    const base = fakeContext();
    const full = fakeContext();
    const meta = fakeContext({ principal: { ...base.principal!, application: 'quiet' } });
    const masked = fakeContext({ principal: { ...base.principal!, application: 'careful' } });
    const anonymised = fakeContext({
      principal: { ...base.principal!, application: 'careful' },
      guardrails: [{ guardrailId: 'g1', version: '1', source: 'INPUT', action: 'ANONYMIZED', findings: [], mode: 'enforce' }],
      chat: { ...base.chat!, messages: [{ role: 'user', content: [{ type: 'text', text: 'My email is {EMAIL}' }] }] },
    });
    for (const c of [full, meta, masked, anonymised]) rec.record(c);
    await rec.flush();
    assert.match(JSON.stringify((await storedRecord(full.requestId)).input.inputBodyJson), /alice@example\.com/);
    const m = await storedRecord(meta.requestId);
    assert.equal(m.input.inputBodyJson, undefined);
    assert.equal(m.output.outputBodyJson, undefined);
    assert.equal(m.contentPolicy, 'metadata');
    const k = JSON.stringify((await storedRecord(masked.requestId)).input.inputBodyJson);
    assert.ok(!k.includes('alice'), k);
    assert.match(k, /"redacted":true/);
    assert.match(JSON.stringify((await storedRecord(anonymised.requestId)).input.inputBodyJson), /\{EMAIL\}/);
    await rec.close();
  });

  it('encrypts payloads with AES-256-GCM, and rotation keeps old records readable', async () => {
    const k1 = Keyring.generateKey();
    const k2 = Keyring.generateKey();
    const ring1 = Keyring.parse(`k1:${k1}`);
    const rec1 = await recorder({ encryption: { keyring: ring1 } });
    const c1 = fakeContext();
    rec1.record(c1);
    await rec1.close();
    const ring2 = Keyring.parse(`k1:${k1},k2:${k2}`);
    const rec2 = await recorder({ encryption: { keyring: ring2 } });
    const c2 = fakeContext();
    rec2.record(c2);
    await rec2.close();
    const r1 = await storedRecord(c1.requestId);
    const r2 = await storedRecord(c2.requestId);
    assert.equal(r1.input.inputBodyEncrypted?.kid, 'k1');
    assert.equal(r2.input.inputBodyEncrypted?.kid, 'k2');
    assert.ok(!JSON.stringify(r1).includes('alice'));
    for (const r of [r1, r2]) {
      const open = await openPayloads(r, ring2);
      assert.match(JSON.stringify(open.input.inputBodyJson), /alice@example\.com/);
      assert.match(JSON.stringify(open.output.outputBodyJson), /Hi Alice/);
    }
    await assert.rejects(openPayloads(r1, Keyring.parse(`k2:${k2}`)), /unknown key id k1/);
  });

  it('erases a subject by destroying its key; hashes and the chain still verify', async () => {
    const ring = Keyring.parse(`m1:${Keyring.generateKey()}`);
    const rec = await recorder({
      encryption: { keyring: ring, perSubject: true },
      digest: { signer, intervalMs: 60_000, store: store.records },
      changes: store.changes,
    });
    // A second instance sharing the store: the erasure notice makes it drop its cached key for bob.
    const peer = await recorder({ encryption: { keyring: ring, perSubject: true }, changes: store.changes });
    const bob = fakeContext({ principal: { ...fakeContext().principal!, id: 'user:bob' } });
    const carol = fakeContext({ principal: { ...fakeContext().principal!, id: 'user:carol' } });
    rec.record(bob);
    rec.record(carol);
    const bobAtPeer = fakeContext({ principal: bob.principal });
    peer.record(bobAtPeer);
    await rec.flush();
    await peer.flush();
    const before = await store.records.getInvocation(bob.requestId);
    assert.equal(before?.subject, 'user:bob');
    assert.match(JSON.stringify((await openPayloads(await storedRecord(bob.requestId), ring, store.records)).input), /alice/);
    const destroyed = await rec.eraseSubject('user:bob', {
      eventTime: new Date(),
      requestId: 'req_erase',
      principal: { id: 'user:dpo', kind: 'user', name: 'dpo', authMethod: 'jwt', roles: ['admin'] },
    });
    assert.equal(destroyed, 2, 'one key per instance that encrypted for bob');
    await rec.flush();
    const gone = await openPayloads(await storedRecord(bob.requestId), ring, store.records);
    assert.deepEqual(gone.input.inputBodyJson, ERASED);
    assert.deepEqual((await openPayloads(await storedRecord(bobAtPeer.requestId), ring, store.records)).input.inputBodyJson, ERASED);
    const later = fakeContext({ principal: bob.principal });
    peer.record(later);
    await peer.flush();
    assert.match(
      JSON.stringify((await openPayloads(await storedRecord(later.requestId), ring, store.records)).input),
      /alice/,
      'after the notice the peer encrypts under a new key, which is readable',
    );
    await peer.close();
    assert.match(JSON.stringify((await openPayloads(await storedRecord(carol.requestId), ring, store.records)).input), /alice/);
    const after = await store.records.getInvocation(bob.requestId);
    assert.equal(after?.hash, before?.hash, 'the record and its hash are untouched');
    assert.equal((await store.records.queryAudit({ action: 'EraseSubjectData' })).length, 1);
    await rec.writeDigest();
    const trusted = new TrustedKeys();
    trusted.add(key.publicKeyPem);
    assert.deepEqual((await verifyAudit(store.records, trusted)).problems, []);
    await rec.close();
  });

  it('captures a streamed answer and audits admin calls with sanitised parameters', async () => {
    const rec = await recorder();
    const c = fakeContext({ action: 'InvokeModelWithResponseStream', response: undefined, chat: { ...fakeContext().chat!, stream: true } });
    async function* upstream(): AsyncIterable<StreamEvent> {
      yield { type: 'start', id: 's1', model: 'gpt-4o-mini' };
      yield { type: 'text', index: 0, text: 'Hello ' };
      yield { type: 'text', index: 0, text: 'Bob.' };
      yield { type: 'block_stop', index: 0 };
      yield { type: 'stop', stopReason: 'end_turn' };
    }
    const seen: StreamEvent[] = [];
    for await (const ev of rec.captureStream(c, upstream())) seen.push(ev);
    assert.equal(seen.length, 5, 'every event passes through');
    await rec.beforeLastByte(c);
    const eventId = await rec.audit({
      eventName: 'ManageKeys', eventSource: 'rampart.admin', eventTime: new Date(), requestId: 'req_admin_1', readOnly: false,
      principal: { id: 'user:admin', kind: 'user', name: 'admin', authMethod: 'jwt', roles: ['admin'] },
      requestParameters: { name: 'ci key', apiKey: 'rk_live_SECRET', nested: { password: 'hunter2' } },
      responseElements: { before: null, after: { id: 'key_1', roles: ['developer'] } },
    });
    await rec.flush();
    const r = await storedRecord(c.requestId);
    assert.deepEqual(r.output.outputBodyJson, { content: [{ type: 'text', text: 'Hello Bob.' }], stopReason: 'end_turn' });
    const [ev] = await store.records.queryAudit({ action: 'ManageKeys' });
    assert.equal(JSON.parse(ev.body).eventId, eventId);
    assert.ok(!ev.body.includes('SECRET') && !ev.body.includes('hunter2'), ev.body);
    assert.match(ev.body, /"apiKey":"\[REDACTED\]"/);
    await rec.close();
  });

  it('makes a record durable in the spool before beforeLastByte resolves', async () => {
    const dir = spoolDir();
    // No sink delivers (retry far away), so the only copy is the spool.
    const failing = { name: 'down', write: async () => Promise.reject(new Error('sink down')), close: async () => {} };
    const rec = await Recorder.create({ spoolDir: dir, sinks: [failing], retryMs: 60_000, flushMs: 1 });
    const c = fakeContext({ chat: { ...fakeContext().chat!, stream: true }, action: 'InvokeModelWithResponseStream' });
    await rec.beforeLastByte(c);
    const replay = readSpool(dir);
    assert.ok(replay.entries.some((e) => e.requestId === c.requestId));
    rec.record(c); // after the hook, record() adds nothing
    assert.equal(rec.stats().recorded, 1);
    await assert.rejects(rec.flush(50), /timed out/);
    await rec.close(50);
  });
});
