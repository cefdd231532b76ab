import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../store/types.js';
import { createKey } from './apikeys.js';
import { createIdentity, IdentityConfigSchema } from './config.js';
import { tempStore } from './testing.js';
import type { RequestContext } from '../pipeline/context.js';

let store: Store;
let cleanup: () => Promise<void>;
before(async () => ({ store, cleanup } = await tempStore()));
after(async () => cleanup());

describe('identity config', () => {
  it('refuses bad CIDRs and unsafe settings at load', () => {
    assert.equal(IdentityConfigSchema.safeParse({ allowedNetworks: ['10.0.0.0/33'] }).success, false);
    assert.equal(IdentityConfigSchema.safeParse({ trustedProxies: ['proxy.local'] }).success, false);
    assert.equal(IdentityConfigSchema.safeParse({ oidc: { issuers: [{ issuer: 'i', audience: 'a', jwksUrl: 'https://i/jwks', algorithms: ['RS256'], clockSkewSec: 3600 }] } }).success, false);
    const cfg = IdentityConfigSchema.parse({ oidc: { issuers: [{ issuer: 'i', audience: 'a', jwksUrl: 'https://i/jwks', algorithms: ['HS256'] }] } });
    assert.throws(() => createIdentity(cfg, { store }), /HS256/);
    assert.throws(() => createIdentity(IdentityConfigSchema.parse({ sigv4: {} }), { store, env: {} }), /RAMPART_SECRET_KEY/);
  });

  it('compiles into a working authenticate stage', async () => {
    const id = createIdentity(IdentityConfigSchema.parse({ allowedNetworks: ['10.0.0.0/8'], sigv4: {} }), { store, env: { RAMPART_SECRET_KEY: 'ab'.repeat(32) } });
    const { key } = await createKey(store, { name: 'k', roles: ['general-access'] }, { id: 'cli', roles: [], scope: 'admin' });
    const ctx = { sourceIp: id.network.clientIp('10.1.1.1', undefined), headers: { authorization: `Bearer ${key}` }, http: { method: 'GET', url: '/v1/models' }, clientApi: 'openai' } as unknown as RequestContext;
    await id.stage.run(ctx);
    assert.equal(ctx.principal?.roles[0], 'general-access');
    await id.close();
  });
});
