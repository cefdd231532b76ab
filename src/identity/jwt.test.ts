import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { JwtAuthenticator, JwtConfigError, looksLikeJwt, type OidcIssuerConfig } from './jwt.js';

const ISS = 'https://idp.example.test';
const AUD = 'rampart';
let server: Server;
let jwksUrl: string;
let jwksHits = 0;
let privateKey: CryptoKey;
let publicPem: string;
let publicJwk: JWK;
let auth: JwtAuthenticator;

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const nowSec = () => Math.floor(Date.now() / 1000);

before(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  privateKey = pair.privateKey;
  publicPem = await exportSPKI(pair.publicKey);
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  server = createServer((req, res) => {
    jwksHits++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [publicJwk] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  auth = new JwtAuthenticator({
    issuers: [
      {
        issuer: ISS,
        audience: AUD,
        jwksUrl,
        algorithms: ['RS256'],
        clockSkewSec: 30,
        roleMap: { 'ml-users': ['general-access'], admins: ['platform-admin'] },
        teamClaim: 'team',
      },
    ],
  });
});
after(() => new Promise((r) => server.close(r)));

async function token(claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}): Promise<string> {
  const t = nowSec();
  return new SignJWT({ sub: 'alice', email: 'alice@example.test', groups: ['ml-users', 'unknown-group'], team: 'red', amr: ['pwd', 'mfa'], ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1', ...header })
    .setIssuer((claims.iss as string) ?? ISS)
    .setAudience((claims.aud as string) ?? AUD)
    .setIssuedAt(t)
    .setExpirationTime((claims.exp as number) ?? t + 300)
    .sign(privateKey);
}

describe('OIDC / JWT', () => {
  it('accepts a valid token and maps claims', async () => {
    const r = await auth.verify(await token());
    assert.ok(r.ok, !r.ok ? r.reason : '');
    assert.deepEqual(r.principal, {
      id: `user:${ISS}#alice`,
      kind: 'user',
      name: 'alice@example.test',
      roles: ['general-access'],
      team: 'red',
      application: undefined,
      authMethod: 'jwt',
      mfa: true,
    });
    assert.ok(jwksHits >= 1);
    const noMfa = await auth.verify(await token({ amr: ['pwd'] }));
    assert.ok(noMfa.ok && noMfa.principal.mfa === false);
  });

  it('refuses alg none', async () => {
    const t = nowSec();
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ iss: ISS, aud: AUD, sub: 'alice', exp: t + 300, groups: ['admins'] })}.`;
    assert.equal((await auth.verify(none)).ok, false);
  });

  it('refuses HS256 signed with the RSA public key', async () => {
    const t = nowSec();
    for (const secret of [publicPem, JSON.stringify(publicJwk), publicJwk.n!]) {
      const head = `${b64({ alg: 'HS256', typ: 'JWT', kid: 'k1' })}.${b64({ iss: ISS, aud: AUD, sub: 'mallory', exp: t + 300, groups: ['admins'] })}`;
      const forged = `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
      assert.equal((await auth.verify(forged)).ok, false);
    }
  });

  it('refuses wrong issuer, wrong audience, expired, future nbf, missing exp, unknown kid', async () => {
    const t = nowSec();
    const cases: Record<string, string> = {
      issuer: await token({ iss: 'https://evil.example.test' }),
      audience: await token({ aud: 'someone-else' }),
      expired: await token({ exp: t - 120 }),
      nbf: await token({ nbf: t + 120 }),
      kid: await token({}, { kid: 'k2' }),
    };
    for (const [name, tok] of Object.entries(cases)) assert.equal((await auth.verify(tok)).ok, false, name);
    const noExp = await new SignJWT({ sub: 'alice' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(ISS).setAudience(AUD).sign(privateKey);
    assert.equal((await auth.verify(noExp)).ok, false);
    // within the configured 30 s skew an expired token still passes
    assert.equal((await auth.verify(await token({ exp: t - 10 }))).ok, true);
  });

  it('refuses a tampered payload', async () => {
    const [h, , s] = (await token()).split('.');
    const forged = `${h}.${b64({ iss: ISS, aud: AUD, sub: 'alice', exp: nowSec() + 300, groups: ['admins'] })}.${s}`;
    assert.equal((await auth.verify(forged)).ok, false);
  });

  it('recognises JWT-shaped bearer tokens only', () => {
    assert.ok(looksLikeJwt('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'));
    assert.ok(!looksLikeJwt('rk_abc'));
    assert.ok(!looksLikeJwt('eyJ.a.b.c'));
  });

  it('refuses unsafe issuer configuration at load', () => {
    const base: OidcIssuerConfig = { issuer: ISS, audience: AUD, jwksUrl: 'https://idp.example.test/jwks', algorithms: ['RS256'] };
    for (const bad of [
      { ...base, algorithms: ['none'] },
      { ...base, algorithms: ['RS256', 'HS256'] },
      { ...base, algorithms: [] },
      { ...base, jwksUrl: 'http://idp.example.test/jwks' },
      { ...base, jwksUrl: undefined, jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } },
      { ...base, jwks: { keys: [] } },
      { ...base, clockSkewSec: 3600 },
      { ...base, audience: [] },
    ])
      assert.throws(() => new JwtAuthenticator({ issuers: [bad] }), JwtConfigError);
  });

  it('accepts static public keys', async () => {
    const a = new JwtAuthenticator({ issuers: [{ issuer: ISS, audience: AUD, jwks: { keys: [publicJwk] }, algorithms: ['RS256'], defaultRoles: ['evaluation'] }] });
    const r = await a.verify(await token());
    assert.ok(r.ok);
    assert.deepEqual(r.principal.roles, ['evaluation']); // no roleMap: groups grant nothing
  });
});
