import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../store/types.js';
import {
  checkMintable,
  createKey,
  generateKey,
  hashKey,
  keyState,
  KeyPolicyError,
  listKeys,
  looksLikeApiKey,
  parseDuration,
  revokeKey,
  rotateKey,
  type Creator,
} from './apikeys.js';
import { KeyCache } from './keycache.js';
import { tempStore } from './testing.js';
import { openStore } from '../store/index.js';

const ADMIN: Creator = { id: 'cli', roles: [], scope: 'admin' };
const OWNER: Creator = { id: 'apikey:owner', roles: ['app-owner', 'general-access'], application: 'billing', allowedNetworks: ['10.0.0.0/8'], scope: 'scoped' };

let store: Store;
let path: string;
let cleanup: () => Promise<void>;
before(async () => ({ store, path, cleanup } = await tempStore()));
after(async () => cleanup());

describe('key material', () => {
  it('has 256 random bits behind a recognisable prefix', () => {
    const a = generateKey();
    const b = generateKey();
    assert.match(a, /^rk_[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a, b);
    assert.equal(Buffer.from(a.slice(3), 'base64url').length, 32);
    assert.ok(looksLikeApiKey(a));
    assert.ok(!looksLikeApiKey(a + 'x'));
    assert.ok(!looksLikeApiKey('rk_' + 'a'.repeat(42) + '!'));
  });

  it('stores only the SHA-256 and a short prefix', async () => {
    const { key, record } = await createKey(store, { name: 'ci', roles: ['general-access'] }, ADMIN);
    assert.equal(record.hash, hashKey(key));
    assert.equal(record.prefix, key.slice(0, 10));
    const stored = await store.keys.get(record.id);
    assert.ok(stored);
    assert.ok(!JSON.stringify(stored).includes(key.slice(10)));
  });
});

describe('minting rules', () => {
  it('an app owner cannot mint for another application', () => {
    assert.throws(() => checkMintable({ name: 'x', roles: ['general-access'], application: 'payroll', allowedNetworks: ['10.1.0.0/16'] }, OWNER), /application "billing"/);
    assert.throws(() => checkMintable({ name: 'x', roles: ['general-access'], allowedNetworks: ['10.1.0.0/16'] }, OWNER), KeyPolicyError);
  });

  it('an app owner cannot grant a role it lacks', () => {
    assert.throws(() => checkMintable({ name: 'x', roles: ['platform-admin'], application: 'billing', allowedNetworks: ['10.1.0.0/16'] }, OWNER), /platform-admin/);
  });

  it('an app owner cannot widen its networks', () => {
    assert.throws(() => checkMintable({ name: 'x', roles: ['general-access'], application: 'billing' }, OWNER), /networks/);
    assert.throws(() => checkMintable({ name: 'x', roles: ['general-access'], application: 'billing', allowedNetworks: ['0.0.0.0/0'] }, OWNER), /networks/);
    checkMintable({ name: 'x', roles: ['general-access'], application: 'billing', allowedNetworks: ['10.1.0.0/16'] }, OWNER);
  });

  it('bad names and CIDRs are refused for everyone', () => {
    assert.throws(() => checkMintable({ name: 'x', roles: [], allowedNetworks: ['10.0.0.0/40'] }, ADMIN), KeyPolicyError);
    assert.throws(() => checkMintable({ name: 'bad\nname', roles: [] }, ADMIN), KeyPolicyError);
  });
});

describe('lifecycle', () => {
  it('revoke, rotate with grace, expiry', async () => {
    const now = new Date();
    const { record } = await createKey(store, { name: 'svc', roles: ['general-access'], application: 'billing', allowedNetworks: ['10.2.0.0/16'] }, OWNER, now);
    assert.equal(keyState(record, now), 'active');

    const rotated = await rotateKey(store, record.id, OWNER, 60_000, now);
    const old = await store.keys.get(record.id);
    assert.ok(old);
    assert.equal(old.replacedBy, rotated.record.id);
    assert.equal(keyState(old, new Date(now.getTime() + 59_000)), 'active');
    assert.equal(keyState(old, new Date(now.getTime() + 60_000)), 'rotated_out');
    assert.deepEqual(rotated.record.roles, ['general-access']);

    await revokeKey(store, rotated.record.id, OWNER);
    const revoked = await store.keys.get(rotated.record.id);
    assert.equal(keyState(revoked!, new Date()), 'revoked');

    const exp = await createKey(store, { name: 'tmp', roles: [], expiresAt: new Date(now.getTime() + 1000) }, ADMIN, now);
    assert.equal(keyState(exp.record, new Date(now.getTime() + 1000)), 'expired');
  });

  it('an app owner sees and manages only its application\'s keys', async () => {
    const other = await createKey(store, { name: 'other', roles: ['general-access'], application: 'payroll' }, ADMIN);
    const mine = await listKeys(store, OWNER);
    assert.ok(mine.length > 0 && mine.every((k) => k.application === 'billing'));
    await assert.rejects(revokeKey(store, other.record.id, OWNER), /another application/);
    await assert.rejects(rotateKey(store, other.record.id, OWNER, 0), /another application/);
    assert.ok((await listKeys(store, ADMIN)).some((k) => k.id === other.record.id));
  });

  it('parses durations', () => {
    assert.equal(parseDuration('30d'), 30 * 86_400_000);
    assert.equal(parseDuration('24h'), 86_400_000);
    assert.throws(() => parseDuration('1w'));
    assert.throws(() => parseDuration('-1h'));
  });
});

describe('key cache', () => {
  it('answers known keys from memory and re-reads after a "keys" change', async () => {
    const { key, record } = await createKey(store, { name: 'cached', roles: ['general-access'] }, ADMIN);
    let reads = 0;
    const counting: Store = { ...store, keys: { ...store.keys, findByHash: async (h: string) => (reads++, store.keys.findByHash(h)) } };
    const cache = new KeyCache({ store: counting, touchIntervalMs: 3_600_000 });
    try {
      assert.equal((await cache.lookup(key))?.id, record.id);
      assert.equal((await cache.lookup(key))?.id, record.id);
      assert.equal(reads, 1);
      await revokeKey(store, record.id, ADMIN); // publishes 'keys'
      const after = await cache.lookup(key);
      assert.equal(reads, 2);
      assert.ok(after?.revokedAt);
    } finally {
      await cache.close();
    }
  });

  it('a revocation on another instance reaches this cache', async () => {
    const other = await openStore({ kind: 'sqlite', path, pollIntervalMs: 20 });
    const cache = new KeyCache({ store, touchIntervalMs: 3_600_000 });
    try {
      const { key, record } = await createKey(store, { name: 'x-instance', roles: [] }, ADMIN);
      assert.equal((await cache.lookup(key))?.revokedAt, undefined);
      const heard = new Promise<void>((resolve) => {
        const off = store.changes.subscribe((t) => {
          if (t === 'keys') {
            off();
            resolve();
          }
        });
      });
      // the SQLite poller's timer is unref'd; keep the loop alive while waiting for its delivery
      const keepAlive = setInterval(() => {}, 1000);
      await revokeKey(other, record.id, ADMIN);
      await heard.finally(() => clearInterval(keepAlive));
      assert.ok((await cache.lookup(key))?.revokedAt);
    } finally {
      await cache.close();
      await other.close();
    }
  });

  it('caches unknown keys briefly and dedupes concurrent misses', async () => {
    let reads = 0;
    let t = 1_000_000;
    const counting: Store = { ...store, keys: { ...store.keys, findByHash: async (h: string) => (reads++, store.keys.findByHash(h)) } };
    const cache = new KeyCache({ store: counting, negativeTtlMs: 5_000, now: () => t, touchIntervalMs: 3_600_000 });
    try {
      const unknown = generateKey();
      const results = await Promise.all([cache.lookup(unknown), cache.lookup(unknown), cache.lookup(unknown)]);
      assert.deepEqual(results, [undefined, undefined, undefined]);
      assert.equal(reads, 1);
      await cache.lookup(unknown);
      assert.equal(reads, 1);
      t += 5_001;
      await cache.lookup(unknown);
      assert.equal(reads, 2);
    } finally {
      await cache.close();
    }
  });

  it('writes lastUsedAt in batches', async () => {
    const { record } = await createKey(store, { name: 'used', roles: [] }, ADMIN);
    const cache = new KeyCache({ store, touchIntervalMs: 3_600_000 });
    cache.markUsed(record.id);
    cache.markUsed(record.id);
    assert.equal((await store.keys.get(record.id))?.lastUsedAt, undefined);
    await cache.flushTouches();
    assert.ok((await store.keys.get(record.id))?.lastUsedAt instanceof Date);
    await cache.close();
  });
});

describe('creatorFor', () => {
  it('scopes everyone but platform admins', async () => {
    const { creatorFor } = await import('./apikeys.js');
    assert.equal(creatorFor({ id: 'a', roles: ['platform-admin'] }).scope, 'admin');
    const owner = creatorFor({ id: 'b', roles: ['app-owner'], application: 'billing' });
    assert.equal(owner.scope, 'scoped');
    assert.throws(() => checkMintable({ name: 'x', roles: ['app-owner'], application: 'other' }, owner), /billing/);
  });
});
