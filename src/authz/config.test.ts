import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { AuthzConfigSchema, createAuthz } from './config.js';
import { PolicyLoadError } from './policies.js';
import { keyPrincipal, model } from './testing.js';

const dir = mkdtempSync(join(tmpdir(), 'rampart-authz-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('authz config', () => {
  it('a bad policy refuses start with file and line; a bad reload keeps the last good set', () => {
    mkdirSync(join(dir, 'policies'));
    const file = join(dir, 'policies', 'deny-m.cedar');
    writeFileSync(file, '@id("deny-m")\nforbid(principal, action, resource is Model) when { resource.tier == "general" };\n');
    const authz = createAuthz(AuthzConfigSchema.parse({ policyDir: 'policies' }), { baseDir: dir });
    const p = keyPrincipal(['general-access']);
    const decide = () => authz.authorizer.decide(p, 'InvokeModel', { type: 'Model', model: model('m') }, { sourceIp: '10.0.0.1' });
    assert.deepEqual([decide().decision, decide().policyIds], ['deny', ['deny-m']]);

    writeFileSync(file, '@id("deny-m")\nforbid(principal, action, resource is Model)\n  when { resource.tier == 1 };\n');
    const r = authz.reload();
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.problems.join('\n') : '', /policies\/deny-m\.cedar:3: /);
    assert.equal(decide().decision, 'deny');
    assert.throws(() => createAuthz(AuthzConfigSchema.parse({ policyDir: 'policies' }), { baseDir: dir }), PolicyLoadError);

    writeFileSync(file, '// nothing forbidden any more\n');
    const ok = authz.reload();
    assert.equal(ok.ok, true);
    assert.equal(decide().decision, 'allow');
    authz.close();
  });

  it('refuses unknown time zones at load', () => {
    assert.equal(AuthzConfigSchema.safeParse({ timeZone: 'Mars/Olympus' }).success, false);
    assert.equal(AuthzConfigSchema.safeParse({ timeZone: 'Europe/Paris' }).success, true);
  });
});
