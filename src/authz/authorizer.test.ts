import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import type { CompiledModel } from '../config/compile.js';
import { RampartError } from '../errors.js';
import type { RequestContext } from '../pipeline/context.js';
import { Authorizer } from './authorizer.js';
import { compilePolicies, loadPolicies, PolicyLoadError, readPolicyDir, SHIPPED_POLICY_DIR, splitPolicies } from './policies.js';
import { createAuthorizeStage } from './stage.js';
import { keyPrincipal, model } from './testing.js';

const schema = readFileSync(join(SHIPPED_POLICY_DIR, 'schema.cedarschema'), 'utf8');
const roles = readPolicyDir(join(SHIPPED_POLICY_DIR, 'roles'));
const TUESDAY_10 = Date.UTC(2026, 0, 6, 10);
const TUESDAY_23 = Date.UTC(2026, 0, 6, 23);
const SATURDAY_10 = Date.UTC(2026, 0, 10, 10);

describe('policy loading', () => {
  it('splits files into policies with stable ids and lines', () => {
    const ps = splitPolicies('a.cedar', '// c;omment\n@id("x")\npermit(principal, action, resource)\nwhen { "a;b" == "a;b" };\n\nforbid(principal, action, resource);\n');
    assert.deepEqual(ps.map((p) => [p.id, p.line]), [['x', 2], ['a.cedar#2', 6]]);
    assert.ok(ps[0].text.startsWith('@id'));
  });

  it('refuses a policy with a type error, naming file and line', () => {
    const bad = 'permit(principal, action, resource);\n\n// the tier is a string\npermit(principal, action == Action::"InvokeModel", resource is Model)\nwhen { resource.tier == 5 };\n';
    assert.throws(
      () => compilePolicies({ ...roles, 'custom/bad.cedar': bad }, schema),
      (e: unknown) => e instanceof PolicyLoadError && e.problems.some((p) => p.startsWith('custom/bad.cedar:5:')),
    );
  });

  it('refuses a syntax error and an unknown attribute with file and line', () => {
    assert.throws(() => compilePolicies({ 'x.cedar': '\npermit(principal, action, resource) when { resource.nope };' }, schema), /x\.cedar:2: .*nope/);
    assert.throws(() => compilePolicies({ 'y.cedar': 'permit(principal, action, resource\n' }, schema), /y\.cedar:1:/);
  });

  it('refuses duplicate ids', () => {
    assert.throws(() => compilePolicies({ 'a.cedar': '@id("d") permit(principal, action, resource);', 'b.cedar': '@id("d") forbid(principal, action, resource);' }, schema), /duplicate policy id "d"/);
  });

  it('a reload with a bad set keeps the last good one', () => {
    const a = new Authorizer({ policies: loadPolicies() });
    assert.throws(() => a.load(compilePolicies({ 'bad.cedar': 'permit(principal, action, resource) when { context.nope };' }, schema)));
    assert.equal(a.decide(keyPrincipal(['general-access']), 'InvokeModel', { type: 'Model', model: model('m') }, { sourceIp: '10.0.0.1' }).decision, 'allow');
  });
});

describe('optional attributes need `has`', () => {
  const unguarded = '@id("cap") forbid(principal, action == Action::"InvokeModel", resource) when { context.maxTokens > 100 };';

  it('the validator refuses reading an optional attribute without `has`', () => {
    assert.throws(() => compilePolicies({ ...roles, 'cap.cedar': unguarded }, schema), /cap\.cedar:1: .*maxTokens/);
  });

  it('unvalidated, Cedar skips the erroring forbid and allows; the authorizer turns that into a deny', () => {
    const policies = { ...compilePolicies(roles, schema).policies, cap: unguarded.replace('@id("cap") ', '') };
    const p = keyPrincipal(['general-access']);
    const m = model('m');
    // Raw Cedar: the forbid errors on the missing attribute, is skipped, and the permit wins.
    const raw = cedar.isAuthorized({
      principal: { type: 'ApiKey', id: p.id },
      action: { type: 'Action', id: 'InvokeModel' },
      resource: { type: 'Model', id: 'm' },
      context: { sourceIp: { __extn: { fn: 'ip', arg: '10.0.0.1' } }, hour: 1, dayOfWeek: 1, authMethod: 'api_key', mfa: false, guardrails: [], streaming: false },
      policies: { staticPolicies: policies },
      entities: [
        // without a schema the action hierarchy must be spelled out
        { uid: { type: 'Action', id: 'InvokeModel' }, attrs: {}, parents: [{ type: 'Action', id: 'Invoke' }] },
        { uid: { type: 'ApiKey', id: p.id }, attrs: { name: 'k' }, parents: [{ type: 'Role', id: 'general-access' }] },
        { uid: { type: 'Model', id: 'm' }, attrs: { provider: 'demo', providers: ['demo'], tier: 'general', stage: 'approved', fineTuned: false, costClass: 'standard', dataClassifications: [], type: 'chat' }, parents: [] },
      ],
    });
    assert.equal(raw.type, 'success');
    if (raw.type === 'success') {
      assert.equal(raw.response.decision, 'allow');
      assert.deepEqual(raw.response.diagnostics.errors.map((e) => e.policyId), ['cap']);
    }
    const a = new Authorizer({ policies: { schema, policies, sources: [], warnings: [] } });
    const d = a.decide(p, 'InvokeModel', { type: 'Model', model: m }, { sourceIp: '10.0.0.1' });
    assert.equal(d.decision, 'deny');
    assert.match(d.errors[0], /^cap: /);
    // with the attribute present the forbid works as written
    assert.equal(a.decide(p, 'InvokeModel', { type: 'Model', model: m }, { sourceIp: '10.0.0.1', maxTokens: 500 }).decision, 'deny');
    assert.equal(a.decide(p, 'InvokeModel', { type: 'Model', model: m }, { sourceIp: '10.0.0.1', maxTokens: 50 }).decision, 'allow');
  });

  it('a request that does not match the schema is a deny', () => {
    const a = new Authorizer({ policies: loadPolicies() });
    const d = a.decide(keyPrincipal(['general-access']), 'InvokeModel', { type: 'Model', model: model('m', { tier: 5 as never }) }, { sourceIp: '10.0.0.1' });
    assert.equal(d.decision, 'deny');
    assert.ok(d.errors.length > 0);
    assert.equal(a.decide(keyPrincipal(['general-access']), 'InvokeModel', { type: 'Model', model: model('m') }, { sourceIp: 'not-an-ip' }).decision, 'deny');
  });
});

describe('example policies', () => {
  const a = new Authorizer({ policies: loadPolicies({ dir: join(SHIPPED_POLICY_DIR, 'examples') }) });
  const spec = model('spec', { tier: 'specialized', costClass: 'high' });
  const p = keyPrincipal(['specialized-access']);
  const decide = (ip: string, at: number) => a.decide(p, 'InvokeModel', { type: 'Model', model: spec }, { sourceIp: ip, at }).decision;

  it('specialized models only from the corporate network during business hours', () => {
    assert.equal(decide('10.20.30.40', TUESDAY_10), 'allow');
    assert.equal(decide('::ffff:10.20.30.40', TUESDAY_10), 'allow');
    assert.equal(decide('203.0.113.9', TUESDAY_10), 'deny');
    assert.equal(decide('10.20.30.40', TUESDAY_23), 'deny');
    assert.equal(decide('10.20.30.40', SATURDAY_10), 'deny');
  });

  it('general-access may invoke only with the pii-filter guardrail applied', () => {
    const g = keyPrincipal(['general-access']);
    const m = model('m');
    assert.equal(a.decide(g, 'InvokeModel', { type: 'Model', model: m }, { sourceIp: '10.0.0.1' }).decision, 'deny');
    assert.equal(a.decide(g, 'InvokeModel', { type: 'Model', model: m }, { sourceIp: '10.0.0.1', guardrails: ['pii-filter'] }).decision, 'allow');
  });

  it('time zones move the business hours', () => {
    const ny = new Authorizer({ policies: loadPolicies({ dir: join(SHIPPED_POLICY_DIR, 'examples') }), timeZone: 'America/New_York' });
    // 10:00 UTC is 05:00 in New York: outside business hours there
    assert.equal(ny.decide(p, 'InvokeModel', { type: 'Model', model: spec }, { sourceIp: '10.0.0.1', at: TUESDAY_10 }).decision, 'deny');
    assert.equal(ny.decide(p, 'InvokeModel', { type: 'Model', model: spec }, { sourceIp: '10.0.0.1', at: TUESDAY_10 + 5 * 3_600_000 }).decision, 'allow');
  });
});

describe('decision cache', () => {
  it('caches by every input and is cleared by a policy load', () => {
    const a = new Authorizer({ policies: loadPolicies({ dir: join(SHIPPED_POLICY_DIR, 'examples') }) });
    const p = keyPrincipal(['specialized-access']);
    const r = { type: 'Model' as const, model: model('spec', { tier: 'specialized' }) };
    const first = a.decide(p, 'InvokeModel', r, { sourceIp: '10.0.0.1', at: TUESDAY_10 });
    assert.equal(first.cached, undefined);
    assert.equal(a.decide(p, 'InvokeModel', r, { sourceIp: '10.0.0.1', at: TUESDAY_10 + 60_000 }).cached, true);
    // a different hour, source, role set, or model attribute is a different question
    assert.equal(a.decide(p, 'InvokeModel', r, { sourceIp: '10.0.0.1', at: TUESDAY_23 }).decision, 'deny');
    assert.equal(a.decide(p, 'InvokeModel', r, { sourceIp: '192.0.2.1', at: TUESDAY_10 }).decision, 'deny');
    assert.equal(a.decide({ ...p, roles: [] }, 'InvokeModel', r, { sourceIp: '10.0.0.1', at: TUESDAY_10 }).decision, 'deny');
    const retired = { type: 'Model' as const, model: { ...r.model, stage: 'retired' as const } };
    assert.equal(a.decide(p, 'InvokeModel', retired, { sourceIp: '10.0.0.1', at: TUESDAY_10 }).decision, 'deny');
    a.load(loadPolicies());
    assert.equal(a.cacheSize, 0);
    assert.equal(a.decide(p, 'InvokeModel', r, { sourceIp: '192.0.2.1', at: TUESDAY_10 }).decision, 'allow');
  });

  it('stays within its bound', () => {
    const a = new Authorizer({ policies: loadPolicies(), cacheSize: 10 });
    for (let i = 0; i < 50; i++) a.decide(keyPrincipal(['general-access'], { id: `apikey:${i}` }), 'InvokeModel', { type: 'Model', model: model('m') }, { sourceIp: '10.0.0.1' });
    assert.equal(a.cacheSize, 10);
  });
});

function fakeCtx(over: Partial<RequestContext>): RequestContext {
  return { requestId: 'r', receivedAt: 0, startedAt: new Date(TUESDAY_10), clientApi: 'openai', operation: 'chat', action: 'InvokeModel', sourceIp: '10.0.0.1', headers: {}, signal: new AbortController().signal, guardrails: [], attempts: 0, ...over } as RequestContext;
}

describe('authorize stage', () => {
  const catalog = new Map<string, CompiledModel>([['gpt-4o', model('gpt-4o')], ['old', model('old', { stage: 'retired' })]]);
  const stage = createAuthorizeStage({ authorizer: new Authorizer({ policies: loadPolicies() }), models: () => catalog });
  const chat = (name: string) => ({ model: name, messages: [], stream: false }) as unknown as RequestContext['chat'];

  it('allows and records the decision and the model', () => {
    const ctx = fakeCtx({ principal: keyPrincipal(['general-access']), chat: chat('gpt-4o') });
    stage.run(ctx);
    assert.equal(ctx.decision?.decision, 'allow');
    assert.deepEqual(ctx.decision?.policyIds, ['general-access-invoke']);
    assert.equal(ctx.model?.name, 'gpt-4o');
  });

  it('denies with a reason and records it', () => {
    const ctx = fakeCtx({ principal: keyPrincipal(['general-access']), chat: chat('old') });
    assert.throws(() => stage.run(ctx), (e: unknown) => e instanceof RampartError && e.code === 'forbidden' && /retired-models-unreachable/.test(e.message));
    assert.equal(ctx.decision?.decision, 'deny');
    const none = fakeCtx({ principal: keyPrincipal(['security-auditor']), chat: chat('gpt-4o') });
    assert.throws(() => stage.run(none), (e: unknown) => e instanceof RampartError && e.code === 'forbidden' && /No policy permits/.test(e.message));
  });

  it('tricky model names are plain names that match nothing', () => {
    for (const name of ['gpt-4*', 'gpt-4%', '../gpt-4o', '%2e%2e/gpt-4o', 'gpt-4o/..', 'g\u0440t-4o', 'gpt\u20114o', 'GPT-4O', 'gpt-4o ', '*']) {
      const ctx = fakeCtx({ principal: keyPrincipal(['platform-admin']), chat: chat(name) });
      assert.throws(() => stage.run(ctx), (e: unknown) => e instanceof RampartError && e.code === 'model_not_found', name);
      assert.equal(ctx.decision, undefined);
    }
  });

  it('refuses without a principal', () => {
    assert.throws(() => stage.run(fakeCtx({ chat: chat('gpt-4o') })), (e: unknown) => e instanceof RampartError && e.code === 'unauthorized');
  });

  it('allowedModels filters the catalog', () => {
    const a = new Authorizer({ policies: loadPolicies() });
    const all = [model('g'), model('s', { tier: 'specialized' }), model('e', { type: 'embedding' }), model('r', { stage: 'retired' })];
    assert.deepEqual(a.allowedModels(keyPrincipal(['general-access']), all, { sourceIp: '10.0.0.1' }).map((m) => m.name), ['g', 'e']);
    assert.deepEqual(a.allowedModels(keyPrincipal(['security-auditor']), all, { sourceIp: '10.0.0.1' }), []);
  });
});
