import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfigSchema } from '../config/schema.js';
import { Runtime } from '../config/runtime.js';
import { standInKit } from '../guardrails/testkit.js';
import { fakeContext } from '../records/testing.js';
import { RampartError } from '../errors.js';
import type { Store } from '../store/types.js';
import { Applications } from './applications.js';
import { Catalog } from './catalog.js';
import { compileBaselines } from './baselines.js';
import { createPostureCheck, governModel, GovernanceState, postureOf } from './enforce.js';
import { allowedDeployments, applyCatalog } from './residency.js';
import { appInput, memoryAudit, tempStore } from './testing.js';

const actor = { id: 'user:ada', roles: ['platform-admin'] };

function runtime(attachGuardrail: boolean): Runtime {
  const config = ConfigSchema.parse({
    providers: [{ name: 'demo', kind: 'demo' }],
    models: [
      { name: 'chat', deployments: [{ provider: 'demo', model: 'm1', region: 'eu-west-1' }, { provider: 'demo', model: 'm2', region: 'us-east-1' }] },
      { name: 'us-only', deployments: [{ provider: 'demo', model: 'm3', region: 'us-east-1' }] },
    ],
    guardrails: {
      definitions: [{
        id: 'support-guard', name: 'support-guard', blockedInputMessaging: 'no', blockedOutputsMessaging: 'no',
        contentPolicyConfig: { filtersConfig: [{ type: 'PROMPT_ATTACK', inputStrength: 'HIGH', outputStrength: 'NONE' }] },
      }],
      attach: { all: [], applications: attachGuardrail ? { 'support-bot': ['support-guard'] } : {} },
    },
  });
  return new Runtime({ config, baseDir: process.cwd() }, { kit: standInKit() });
}

function ctxFor(rt: Runtime, model = 'chat') {
  return fakeContext({ runtime: rt, model: rt.models.get(model) });
}

const forbidden = (re: RegExp) => (err: unknown) => err instanceof RampartError && err.code === 'forbidden' && re.test(err.message);

describe('posture on the request path', () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let state: GovernanceState;
  const guarded = runtime(true);
  const unguarded = runtime(false);
  before(async () => {
    ({ store, cleanup } = await tempStore());
    const apps = new Applications({ store: store.governance, audit: memoryAudit().audit, changes: store.changes });
    await apps.create(actor, appInput({ id: 'support-bot', scope: 3, models: ['chat'] }));
    state = await GovernanceState.open(store);
  });
  after(async () => {
    state.close();
    await cleanup();
    await Promise.all([guarded.close(), unguarded.close()]);
  });

  it('removing the guardrail turns the posture red and, in block mode, blocks the calls with the rule named', () => {
    const app = state.snapshot().apps.get('support-bot')!;
    assert.equal(postureOf(guarded, state.snapshot(), app).status, 'compliant');
    const red = postureOf(unguarded, state.snapshot(), app);
    assert.equal(red.status, 'blocked');
    assert.equal(red.rules.find((r) => r.id === 'prompt-attack-filter')?.status, 'missing');

    const check = createPostureCheck({ state });
    check(ctxFor(guarded));
    assert.throws(() => check(ctxFor(unguarded)), forbidden(/baseline rule "prompt-attack-filter"/));

    const warnOnly = createPostureCheck({ state, rules: compileBaselines({ modes: { 'prompt-attack-filter': 'warn' } }) });
    warnOnly(ctxFor(unguarded));
  });

  it('sees registry changes made through the store (change channel)', async () => {
    const apps = new Applications({ store: store.governance, audit: memoryAudit().audit, changes: store.changes });
    await apps.create(actor, appInput({ id: 'late-app', scope: 4 }));
    await state.refresh();
    assert.ok(state.snapshot().apps.has('late-app'));
  });

  it('callers without an application pass; unregistered applications follow the option', () => {
    const check = createPostureCheck({ state, unregistered: 'deny' });
    const ctx = ctxFor(guarded);
    check({ ...ctx, principal: { ...ctx.principal!, application: undefined } });
    assert.throws(() => check({ ...ctx, principal: { ...ctx.principal!, application: 'ghost' } }), forbidden(/not in the application registry/));
    createPostureCheck({ state })({ ...ctx, principal: { ...ctx.principal!, application: 'ghost' } });
  });

  it('confidential applications reach only models cleared for confidential data', async () => {
    const apps = new Applications({ store: store.governance, audit: memoryAudit().audit });
    await apps.create(actor, appInput({ id: 'hr-bot', scope: 2, dataClassification: 'confidential', loggingMode: 'encrypted', guardrails: ['support-guard'] }));
    const catalog = new Catalog({ store: store.governance, audit: memoryAudit().audit });
    await catalog.register(actor, { name: 'chat', stage: 'approved', dataClassifications: ['public', 'internal'] });
    await state.refresh();
    const check = createPostureCheck({ state, rules: compileBaselines({ modes: { 'confidential-secrets': 'warn' } }) });
    const ctx = ctxFor(guarded);
    assert.throws(() => check({ ...ctx, principal: { ...ctx.principal!, application: 'hr-bot' } }), forbidden(/confidential-model-clearance.*"chat" is not cleared for confidential/));
  });

  it('data residency: an application limited to eu-west-1 gets only eu deployments, and none is a refusal', async () => {
    const app = { allowedRegions: ['eu-west-1'] };
    assert.deepEqual(allowedDeployments(app, guarded.models.get('chat')!).map((d) => d.upstreamModel), ['m1']);
    assert.deepEqual(allowedDeployments(undefined, guarded.models.get('chat')!).length, 2);
    assert.deepEqual(allowedDeployments(app, { deployments: [{ id: 'x', provider: 'demo', upstreamModel: 'x', weight: 1 }] }), [], 'unknown region: left out');
    const apps = new Applications({ store: store.governance, audit: memoryAudit().audit });
    await apps.create(actor, appInput({ id: 'eu-app', scope: 1, allowedRegions: ['eu-west-1'] }));
    await state.refresh();
    const check = createPostureCheck({ state });
    const ctx = ctxFor(guarded, 'us-only');
    assert.throws(() => check({ ...ctx, principal: { ...ctx.principal!, application: 'eu-app' } }), forbidden(/Data residency/));
  });

  it('applyCatalog overrides the config defaults by model name', () => {
    const out = applyCatalog(guarded.models, [{ name: 'us-only', tier: 'sandbox', stage: 'retired', costClass: 'high', dataClassifications: ['public'], fineTuned: true, trainingDataClassification: 'internal', region: 'us-west-2' }]);
    const m = out.get('us-only')!;
    assert.equal(m.stage, 'retired');
    assert.equal(m.tier, 'sandbox');
    assert.equal(m.trainingDataClassification, 'internal');
    assert.equal(m.deployments[0].region, 'us-east-1', 'a deployment keeps its own region');
    assert.equal(out.get('chat'), guarded.models.get('chat'), 'models not in the catalog are unchanged');
    assert.equal(guarded.models.get('us-only')!.stage, 'approved', 'the input map is not modified');
  });

  it('governModel applies the current catalog to one model, cached per snapshot', async () => {
    const catalog = new Catalog({ store: store.governance, audit: memoryAudit().audit });
    await catalog.register(actor, { name: 'us-only', stage: 'retired', tier: 'general' });
    await state.refresh();
    const snap = state.snapshot();
    const m = governModel(snap, guarded.models.get('us-only')!);
    assert.equal(m.stage, 'retired', 'a retired model reaches no one (Cedar forbids retired models)');
    assert.equal(governModel(snap, guarded.models.get('us-only')!), m);
    assert.equal(governModel(snap, guarded.models.get('chat')!).stage, 'approved');
  });
});
