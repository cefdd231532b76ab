import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RampartError } from '../errors.js';
import { Catalog } from './catalog.js';
import { memoryAudit, tempStore } from './testing.js';
import type { Store } from '../store/types.js';

const requester = { id: 'user:dana', roles: ['ml-engineer'] };
const legal = { id: 'user:lee', roles: ['legal'] };
const procurement = { id: 'user:pat', roles: ['procurement'] };
const security = { id: 'user:sam', roles: ['security'] };
const admin = { id: 'user:ada', roles: ['platform-admin'] };

const forbidden = (re: RegExp) => (err: unknown) => err instanceof RampartError && err.code === 'forbidden' && re.test(err.message);

describe('model catalog and approvals', () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  before(async () => ({ store, cleanup } = await tempStore()));
  after(() => cleanup());

  async function modelIn(stage: 'proposed' | 'evaluation', name: string) {
    const { audit, events } = memoryAudit();
    const catalog = new Catalog({ store: store.governance, audit });
    await catalog.propose(requester, { name, provider: 'openai', upstreamId: 'gpt-4o', dataClassifications: ['public', 'internal'], owner: 'dana' });
    if (stage === 'evaluation') {
      const r = await catalog.requestTransition(requester, name, 'evaluation', 'pilot for support');
      await catalog.decide(security, r.id, { decision: 'approve', reason: 'threat model reviewed' });
    }
    return { catalog, events };
  }

  it('moves a model through evaluation to approved with legal, procurement and security, each audited', async () => {
    const { catalog, events } = await modelIn('evaluation', 'gpt-4o');
    assert.equal((await catalog.get('gpt-4o'))?.stage, 'evaluation');
    const r = await catalog.requestTransition(requester, 'gpt-4o', 'approved', 'evaluation passed');
    assert.deepEqual(catalog.required(r), ['legal', 'procurement', 'security']);
    await catalog.decide(legal, r.id, { decision: 'approve', reason: 'DPA signed' });
    await catalog.decide(procurement, r.id, { decision: 'approve', reason: 'contract in place' });
    assert.equal((await catalog.get('gpt-4o'))?.stage, 'evaluation', 'not moved before every role approved');
    const done = await catalog.decide(security, r.id, { decision: 'approve', reason: 'pen test clean' });
    assert.equal(done.status, 'approved');
    assert.equal((await catalog.get('gpt-4o'))?.stage, 'approved');
    const approvals = events.filter((e) => e.eventName === 'ApproveModelTransition' && e.outcome === 'success');
    assert.deepEqual(approvals.slice(-3).map((e) => [e.actor.id, e.reason]), [
      ['user:lee', 'DPA signed'], ['user:pat', 'contract in place'], ['user:sam', 'pen test clean'],
    ]);
    const applied = events.filter((e) => e.eventName === 'ApplyModelTransition');
    assert.deepEqual(applied.at(-1)?.details, {
      approval: r.id, from: 'evaluation', to: 'approved', approvedBy: ['user:lee (legal)', 'user:pat (procurement)', 'user:sam (security)'],
    });
    assert.equal((await catalog.getApproval(r.id))?.decisions.length, 3);
  });

  it('refuses an approval by the requester, and audits the refusal', async () => {
    const { catalog, events } = await modelIn('proposed', 'self-approve');
    const selfish = { id: 'user:dana', roles: ['ml-engineer', 'security'] };
    const r = await catalog.requestTransition(selfish, 'self-approve', 'evaluation', 'try it');
    await assert.rejects(catalog.decide(selfish, r.id, { decision: 'approve', reason: 'lgtm' }), forbidden(/own request/));
    assert.equal((await catalog.get('self-approve'))?.stage, 'proposed');
    const refusal = events.at(-1);
    assert.equal(refusal?.outcome, 'refused');
    assert.equal(refusal?.errorCode, 'forbidden');
  });

  it('refuses an approval by a role that is not an approver for the transition', async () => {
    const { catalog } = await modelIn('evaluation', 'not-approver');
    const r = await catalog.requestTransition(requester, 'not-approver', 'approved', 'ready');
    await assert.rejects(catalog.decide({ id: 'user:eve', roles: ['developer'] }, r.id, { decision: 'approve', reason: 'ok' }), forbidden(/Not an approver.*legal, procurement, security/));
    await assert.rejects(catalog.decide(legal, r.id, { decision: 'approve', reason: 'ok', role: 'security' }), forbidden(/Not an approver/), 'claiming a role one does not hold');
    await catalog.decide(legal, r.id, { decision: 'approve', reason: 'ok' });
    await assert.rejects(catalog.decide({ id: 'user:lou', roles: ['legal'] }, r.id, { decision: 'approve', reason: 'me too' }), forbidden(/Not an approver|already approved/));
    await assert.rejects(catalog.decide(legal, r.id, { decision: 'approve', reason: 'again' }), forbidden(/already decided/));
  });

  it('refuses requests and approvals for a retired model', async () => {
    const { catalog } = await modelIn('proposed', 'old-model');
    const r = await catalog.requestTransition(admin, 'old-model', 'retired', 'superseded');
    await catalog.decide({ id: 'user:al', roles: ['platform-admin'] }, r.id, { decision: 'approve', reason: 'retire it' });
    assert.equal((await catalog.get('old-model'))?.stage, 'retired');
    await assert.rejects(catalog.requestTransition(admin, 'old-model', 'approved', 'bring back'), forbidden(/retired/));
    await assert.rejects(catalog.update(admin, 'old-model', { owner: 'x' }), forbidden(/retired/));
  });

  it('refuses an approval on a request whose model was retired meanwhile', async () => {
    const { catalog } = await modelIn('evaluation', 'race-model');
    const open = await catalog.requestTransition(requester, 'race-model', 'approved', 'ready');
    // Retire through the store directly (another instance): the open request must not revive it.
    const doc = await store.governance.getDoc('model', 'race-model');
    await store.governance.putDoc('model', 'race-model', JSON.stringify({ ...JSON.parse(doc!.body), stage: 'retired' }), doc!.version);
    await assert.rejects(catalog.decide(legal, open.id, { decision: 'approve', reason: 'ok' }), forbidden(/retired/));
  });

  it('refuses transitions that are not configured, a second open request, and a stage change by update', async () => {
    const { catalog } = await modelIn('proposed', 'jumpy');
    await assert.rejects(catalog.requestTransition(requester, 'jumpy', 'approved', 'skip evaluation'), /not allowed/);
    await catalog.requestTransition(requester, 'jumpy', 'evaluation', 'try');
    await assert.rejects(catalog.requestTransition(requester, 'jumpy', 'retired', 'x'), /open request/);
    await assert.rejects(catalog.update(admin, 'jumpy', { stage: 'approved' }), /only through an approved transition/);
  });

  it('a rejection closes the request and leaves the stage', async () => {
    const { catalog } = await modelIn('evaluation', 'rejected-model');
    const r = await catalog.requestTransition(requester, 'rejected-model', 'approved', 'ready');
    const out = await catalog.decide(security, r.id, { decision: 'reject', reason: 'jailbreak rate too high' });
    assert.equal(out.status, 'rejected');
    assert.equal((await catalog.get('rejected-model'))?.stage, 'evaluation');
    await assert.rejects(catalog.decide(legal, r.id, { decision: 'approve', reason: 'late' }), /not pending/);
  });

  it('custom approver roles come from config', async () => {
    const { audit } = memoryAudit();
    const catalog = new Catalog({ store: store.governance, audit, approvers: { 'proposed->evaluation': ['ciso'] } });
    await catalog.propose(requester, { name: 'custom-flow' });
    const r = await catalog.requestTransition(requester, 'custom-flow', 'evaluation', 'x');
    await assert.rejects(catalog.decide(security, r.id, { decision: 'approve', reason: 'ok' }), forbidden(/ciso/));
    await catalog.decide({ id: 'user:c', roles: ['ciso'] }, r.id, { decision: 'approve', reason: 'ok' });
    assert.equal((await catalog.get('custom-flow'))?.stage, 'evaluation');
  });
});
