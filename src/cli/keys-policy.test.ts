import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hashKey } from '../identity/apikeys.js';
import { tempStore } from '../identity/testing.js';
import type { Store } from '../store/types.js';
import { keysCommand } from './keys.js';
import { policyCommand } from './policy.js';

let store: Store;
let cleanup: () => Promise<void>;
before(async () => ({ store, cleanup } = await tempStore()));
after(async () => cleanup());

function capture() {
  const lines: string[] = [];
  return { lines, out: (s: string) => void lines.push(s), err: (s: string) => void lines.push(s) };
}

describe('rampart keys', () => {
  it('create prints the key once and stores only its hash; list, rotate, revoke', async () => {
    const c = capture();
    assert.equal(await keysCommand(['create', '--name', 'ci', '--roles', 'general-access,evaluation', '--app', 'billing', '--networks', '10.0.0.0/8', '--expires', '30d', '--json'], { store, ...c }), 0);
    const created = JSON.parse(c.lines[0]) as { key: string; id: string; roles: string[]; expiresAt: string };
    assert.match(created.key, /^rk_/);
    assert.deepEqual(created.roles, ['evaluation', 'general-access']);
    assert.equal((await store.keys.get(created.id))?.hash, hashKey(created.key));

    const l = capture();
    await keysCommand(['list', '--json'], { store, ...l });
    assert.ok(!l.lines.join('').includes(created.key));
    assert.ok(!l.lines.join('').includes(hashKey(created.key)));
    assert.equal((JSON.parse(l.lines[0]) as { id: string }[])[0].id, created.id);

    const r = capture();
    assert.equal(await keysCommand(['rotate', created.id, '--grace', '1h', '--json'], { store, ...r }), 0);
    const rotated = JSON.parse(r.lines[0]) as { key: string; id: string; replaces: string };
    assert.equal(rotated.replaces, created.id);
    assert.notEqual(rotated.key, created.key);
    assert.equal((await store.keys.get(created.id))?.replacedBy, rotated.id);

    assert.equal(await keysCommand(['revoke', rotated.id], { store, ...capture() }), 0);
    assert.ok((await store.keys.get(rotated.id))?.revokedAt);
  });

  it('refuses bad input', async () => {
    await assert.rejects(keysCommand(['create'], { store, ...capture() }), /--name/);
    const c = capture();
    assert.equal(await keysCommand(['create', '--name', 'x', '--networks', '10.0.0.0/99'], { store, ...c }), 1);
    assert.equal(await keysCommand(['revoke', 'key_nope'], { store, ...capture() }), 1);
    await assert.rejects(keysCommand(['bogus'], { store, ...capture() }), /usage/);
  });
});

describe('rampart policy', () => {
  it('check prints the decision and the deciding policies', async () => {
    const c = capture();
    const code = await policyCommand(['check', '--principal', 'roles=general-access', '--action', 'InvokeModel', '--resource', 'model:rampart-demo'], c);
    assert.equal(code, 0);
    assert.deepEqual(c.lines, ['allow\n', 'policies: general-access-invoke\n']);
    const d = capture();
    assert.equal(await policyCommand(['check', '--principal', 'roles=security-auditor', '--action', 'InvokeModel', '--resource', '{"name":"x","tier":"specialized"}', '--json'], d), 1);
    assert.deepEqual(JSON.parse(d.lines[0]), { decision: 'deny', policyIds: [], errors: [] });
  });

  it('check honours --policies and --context', async () => {
    const c = capture();
    const args = ['check', '--principal', 'roles=specialized-access', '--action', 'InvokeModel', '--resource', '{"name":"s","tier":"specialized"}', '--policies', 'policies/examples'];
    assert.equal(await policyCommand([...args, '--context', '{"sourceIp":"10.1.1.1","at":"2026-01-06T10:00:00Z"}'], c), 0);
    assert.equal(await policyCommand([...args, '--context', '{"sourceIp":"8.8.8.8","at":"2026-01-06T10:00:00Z"}'], c), 1);
  });

  it('validate refuses a policy with a type error, naming file and line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rampart-pol-'));
    try {
      writeFileSync(join(dir, 'team.cedar'), 'permit(principal, action, resource);\n\npermit(principal, action == Action::"InvokeModel", resource is Model)\nwhen { resource.fineTuned == "yes" };\n');
      const c = capture();
      assert.equal(await policyCommand(['validate', '--policies', dir], c), 1);
      assert.match(c.lines.join(''), /team\.cedar:4: /);
      assert.equal(await policyCommand(['validate'], capture()), 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
