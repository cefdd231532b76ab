import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Authorizer } from './authorizer.js';
import { loadPolicies } from './policies.js';
import { keyPrincipal, STAGES, TIERS, tierModel } from './testing.js';
import type { AdminAction } from './types.js';

/**
 * Every shipped role against every model tier and stage. The expected sets are written out by hand
 * (not derived from the policies) so that a policy edit that changes who reaches what fails here.
 */

const authz = new Authorizer({ policies: loadPolicies() });
const ctx = { sourceIp: '10.0.0.1', at: Date.UTC(2026, 0, 6, 10) };

const NOT_RETIRED = TIERS.flatMap((t) => STAGES.filter((s) => s !== 'retired').map((s) => `${t}/${s}`));

const EXPECTED: Record<string, readonly string[]> = {
  evaluation: [
    'sandbox/proposed', 'sandbox/evaluation', 'sandbox/approved', 'sandbox/deprecated',
    'general/evaluation', 'fine-tuned/evaluation', 'specialized/evaluation',
  ],
  'general-access': ['general/approved', 'general/deprecated'],
  'fine-tuned-access': ['fine-tuned/approved', 'fine-tuned/deprecated'],
  'specialized-access': ['specialized/approved', 'specialized/deprecated'],
  'platform-admin': NOT_RETIRED,
  'security-auditor': [],
  'app-owner': [],
  '': [],
};

describe('shipped roles x tiers x stages', () => {
  for (const [role, allowed] of Object.entries(EXPECTED)) {
    for (const action of ['InvokeModel', 'InvokeModelWithResponseStream', 'Embed'] as const) {
      it(`${role || '(no role)'} ${action}`, () => {
        const p = keyPrincipal(role ? [role] : []);
        const got: string[] = [];
        for (const t of TIERS)
          for (const s of STAGES) {
            const d = authz.decide(p, action, { type: 'Model', model: tierModel(t, s) }, ctx);
            assert.deepEqual(d.errors, [], `${t}/${s}`);
            if (d.decision === 'allow') got.push(`${t}/${s}`);
          }
        assert.deepEqual(got.sort(), [...allowed].sort());
      });
    }
  }

  it('retired models reach no one, whatever roles are combined', () => {
    const p = keyPrincipal(Object.keys(EXPECTED).filter(Boolean));
    for (const t of TIERS) {
      const d = authz.decide(p, 'InvokeModel', { type: 'Model', model: tierModel(t, 'retired') }, ctx);
      assert.equal(d.decision, 'deny');
      assert.deepEqual(d.policyIds, ['retired-models-unreachable']);
    }
  });

  it('fine-tuned flag or costClass high alone is enough for the matching role', () => {
    const ft = tierModel('general', 'approved');
    ft.fineTuned = true;
    assert.equal(authz.decide(keyPrincipal(['fine-tuned-access']), 'InvokeModel', { type: 'Model', model: ft }, ctx).decision, 'allow');
    const costly = tierModel('general', 'approved');
    costly.costClass = 'high';
    assert.equal(authz.decide(keyPrincipal(['specialized-access']), 'InvokeModel', { type: 'Model', model: costly }, ctx).decision, 'allow');
  });
});

describe('admin actions', () => {
  const gw = { type: 'Gateway' } as const;
  const admin: AdminAction[] = ['ManagePolicies', 'ManageApplications', 'ReadInvocationLogs', 'ReadAuditTrail'];

  it('platform-admin may do every admin action', () => {
    const p = keyPrincipal(['platform-admin']);
    for (const a of admin) assert.equal(authz.decide(p, a, gw, ctx).decision, 'allow', a);
    assert.equal(authz.decide(p, 'ManageKeys', { type: 'Application', id: 'any' }, ctx).decision, 'allow');
    assert.equal(authz.decide(p, 'ApproveModel', { type: 'Model', model: tierModel('general', 'proposed') }, ctx).decision, 'allow');
    assert.equal(authz.decide(p, 'ManageGuardrails', { type: 'Guardrail', id: 'g' }, ctx).decision, 'allow');
  });

  it('security-auditor reads logs and audit but cannot invoke, list or manage', () => {
    const p = keyPrincipal(['security-auditor']);
    assert.equal(authz.decide(p, 'ReadInvocationLogs', gw, ctx).decision, 'allow');
    assert.equal(authz.decide(p, 'ReadAuditTrail', gw, ctx).decision, 'allow');
    assert.equal(authz.decide(p, 'ManagePolicies', gw, ctx).decision, 'deny');
    assert.equal(authz.decide(p, 'ListModels', gw, ctx).decision, 'deny');
    assert.equal(authz.decide(p, 'ManageKeys', { type: 'Application', id: 'a' }, ctx).decision, 'deny');
  });

  it('app-owner manages the keys of its own application only', () => {
    const p = keyPrincipal(['app-owner', 'general-access'], { application: 'billing' });
    assert.equal(authz.decide(p, 'ManageKeys', { type: 'Application', id: 'billing' }, ctx).decision, 'allow');
    assert.equal(authz.decide(p, 'ManageKeys', { type: 'Application', id: 'payroll' }, ctx).decision, 'deny');
    assert.equal(authz.decide(keyPrincipal(['app-owner']), 'ManageKeys', { type: 'Application', id: 'billing' }, ctx).decision, 'deny');
    assert.equal(authz.decide(p, 'ReadAuditTrail', gw, ctx).decision, 'deny');
  });

  it('invoking roles may list models and apply guardrails; nobody else', () => {
    assert.equal(authz.decide(keyPrincipal(['general-access']), 'ListModels', gw, ctx).decision, 'allow');
    assert.equal(authz.decide(keyPrincipal(['evaluation']), 'ApplyGuardrail', { type: 'Guardrail', id: 'g' }, ctx).decision, 'allow');
    assert.equal(authz.decide(keyPrincipal([]), 'ListModels', gw, ctx).decision, 'deny');
  });

  it('repeated roles are harmless', () => {
    const p = keyPrincipal(['general-access', 'general-access']);
    const d = authz.decide(p, 'InvokeModel', { type: 'Model', model: tierModel('general', 'approved') }, ctx);
    assert.deepEqual([d.decision, d.errors], ['allow', []]);
  });

  it('a JWT user principal is a User entity with the same roles', () => {
    const u = { id: 'user:https://idp#alice', kind: 'user' as const, name: 'alice', roles: ['general-access'], authMethod: 'jwt' as const, mfa: true };
    assert.equal(authz.decide(u, 'InvokeModel', { type: 'Model', model: tierModel('general', 'approved') }, ctx).decision, 'allow');
  });
});
