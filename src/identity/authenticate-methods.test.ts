import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Sha256 } from '@aws-crypto/sha256-js';
import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { SignatureV4 } from '@smithy/signature-v4';
import { createServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { createKey } from './apikeys.js';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { RampartError } from '../errors.js';
import type { RequestContext } from '../pipeline/context.js';
import type { Store } from '../store/types.js';
import { createAuthenticateStage } from './authenticate.js';
import { JwtAuthenticator } from './jwt.js';
import { KeyCache } from './keycache.js';
import { NetworkPolicy } from './network.js';
import { issueSigV4Credential } from './sigv4-keys.js';
import { SigV4Verifier } from './sigv4.js';
import { tempStore } from './testing.js';

/** JWT and SigV4 through the authenticate stage (the verifiers have their own suites). */

let store: Store;
let cleanup: () => Promise<void>;
let keys: KeyCache;
let sigv4: SigV4Verifier;
let jwt: JwtAuthenticator;
let priv: CryptoKey;
const master = randomBytes(32);

before(async () => {
  ({ store, cleanup } = await tempStore());
  keys = new KeyCache({ store, touchIntervalMs: 3_600_000 });
  sigv4 = new SigV4Verifier({ store, masterKey: master });
  const pair = await generateKeyPair('ES256', { extractable: true });
  priv = pair.privateKey;
  jwt = new JwtAuthenticator({ issuers: [{ issuer: 'https://idp', audience: 'rampart', jwks: { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'e1' }] }, algorithms: ['ES256'], roleMap: { eng: ['general-access'] } }] });
});
after(async () => {
  sigv4.close();
  await keys.close();
  await cleanup();
});

function ctx(headers: IncomingHttpHeaders, url = '/v1/chat/completions', rawBody?: Buffer, sourceIp = '192.0.2.10'): RequestContext {
  return { requestId: 'r', receivedAt: 0, startedAt: new Date(), clientApi: 'bedrock', operation: 'chat', action: 'InvokeModel', sourceIp, headers, http: { method: 'POST', url }, rawBody, signal: new AbortController().signal, guardrails: [], attempts: 0 } as unknown as RequestContext;
}

const stage = () => createAuthenticateStage({ keys, jwt, sigv4, network: new NetworkPolicy() });
const jwtFor = (groups: string[]) =>
  new SignJWT({ sub: 'bob', groups }).setProtectedHeader({ alg: 'ES256', kid: 'e1' }).setIssuer('https://idp').setAudience('rampart').setExpirationTime('5m').sign(priv);

describe('authenticate: OIDC bearer tokens', () => {
  it('turns a valid token into a user principal', async () => {
    const c = ctx({ authorization: `Bearer ${await jwtFor(['eng'])}` });
    await stage().run(c);
    assert.deepEqual([c.principal?.id, c.principal?.authMethod, c.principal?.roles], ['user:https://idp#bob', 'jwt', ['general-access']]);
  });

  it('does not take a JWT from x-api-key, nor any JWT when OIDC is not configured', async () => {
    const tok = await jwtFor(['eng']);
    await assert.rejects(Promise.resolve(stage().run(ctx({ 'x-api-key': tok }))), (e: unknown) => e instanceof RampartError && e.code === 'unauthorized');
    const noJwt = createAuthenticateStage({ keys, network: new NetworkPolicy() });
    await assert.rejects(Promise.resolve(noJwt.run(ctx({ authorization: `Bearer ${tok}` }))), (e: unknown) => e instanceof RampartError && e.code === 'unauthorized');
  });
});

describe('authenticate: SigV4', () => {
  it('verifies a signed request over the raw body and applies the credential\'s networks', async () => {
    const issued = await issueSigV4Credential(store, master, { name: 'aws-app', roles: ['general-access'], allowedNetworks: ['192.0.2.0/24'] }, { id: 'cli', roles: [], scope: 'admin' });
    const signer = new SignatureV4({ credentials: { accessKeyId: issued.accessKeyId, secretAccessKey: issued.secretAccessKey }, region: 'us-east-1', service: 'bedrock', sha256: Sha256 });
    const sign = async (body: string) => {
      const r = await signer.sign({ method: 'POST', protocol: 'http:', hostname: 'gw', path: '/model/m/converse', headers: { host: 'gw' }, body });
      return r.headers as IncomingHttpHeaders;
    };
    const ok = ctx(await sign('{"a":1}'), '/model/m/converse', Buffer.from('{"a":1}'));
    await stage().run(ok);
    assert.deepEqual([ok.principal?.id, ok.principal?.authMethod], [`sigv4:${issued.accessKeyId}`, 'sigv4']);

    const tampered = ctx(await sign('{"a":1}'), '/model/m/converse', Buffer.from('{"a":2}'));
    await assert.rejects(Promise.resolve(stage().run(tampered)), (e: unknown) => e instanceof RampartError && e.code === 'unauthorized');

    const outside = ctx(await sign('{"a":1}'), '/model/m/converse', Buffer.from('{"a":1}'), '203.0.113.1');
    await assert.rejects(Promise.resolve(stage().run(outside)), (e: unknown) => e instanceof RampartError && e.code === 'unauthorized');

    // SigV4 query-string (presigned) credentials are refused outright
    const presigned = ctx(await sign(''), '/model/m/converse?X-Amz-Credential=x&X-Amz-Signature=y', Buffer.alloc(0));
    await assert.rejects(Promise.resolve(stage().run(presigned)), /query string/);
  });
});

describe('authenticate: Bedrock API key from the AWS SDK', () => {
  it('accepts the token the Bedrock client sends as a bearer header', async () => {
    const { key } = await createKey(store, { name: 'bedrock-token', roles: ['general-access'] }, { id: 'cli', roles: [], scope: 'admin' });
    const seen: (string | undefined)[] = [];
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const c = ctx(req.headers as IncomingHttpHeaders, req.url);
        void Promise.resolve()
          .then(() => stage().run(c))
          .then(
            () => {
              seen.push(c.principal?.authMethod);
              res.writeHead(200, { 'content-type': 'application/json' });
              res.end(JSON.stringify({ output: { message: { role: 'assistant', content: [{ text: 'ok' }] } }, stopReason: 'end_turn', usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 }, metrics: { latencyMs: 1 } }));
            },
            () => {
              seen.push('refused');
              res.writeHead(403, { 'content-type': 'application/json' });
              res.end('{"message":"denied"}');
            },
          );
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = (token: string) => new BedrockRuntimeClient({ region: 'us-east-1', endpoint, token: { token }, authSchemePreference: ['httpBearerAuth'], maxAttempts: 1 });
    const call = { modelId: 'anthropic.claude-3-haiku-20240307-v1:0', messages: [{ role: 'user' as const, content: [{ text: 'hi' }] }] };
    const good = client(key);
    const bad = client('rk_' + 'x'.repeat(43));
    try {
      const out = await good.send(new ConverseCommand(call));
      assert.equal(out.output?.message?.content?.[0]?.text, 'ok');
      await assert.rejects(bad.send(new ConverseCommand(call)));
      assert.deepEqual(seen, ['bedrock_api_key', 'refused']);
    } finally {
      good.destroy();
      bad.destroy();
      await new Promise((r) => server.close(r));
    }
  });
});
