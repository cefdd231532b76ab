import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Sha256 } from '@aws-crypto/sha256-js';
import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Store } from '../store/types.js';
import type { Creator } from './apikeys.js';
import { issueSigV4Credential, loadSigV4Credential, revokeSigV4Credential, SIGV4_KV_PREFIX } from './sigv4-keys.js';
import { canonicalPath, SigV4Verifier, type SigV4Request } from './sigv4.js';
import { tempStore } from './testing.js';

const ADMIN: Creator = { id: 'cli', roles: [], scope: 'admin' };
const master = randomBytes(32);
let store: Store;
let cleanup: () => Promise<void>;
let accessKeyId: string;
let secretAccessKey: string;

before(async () => {
  ({ store, cleanup } = await tempStore());
  ({ accessKeyId, secretAccessKey } = await issueSigV4Credential(store, master, { name: 'bedrock-app', roles: ['general-access'], team: 'red' }, ADMIN));
});
after(async () => cleanup());

/** Signs like the AWS SDK does, then hands back what the server would see. */
async function signed(opts: { path?: string; query?: Record<string, string>; body?: string; date?: Date; secret?: string; region?: string } = {}): Promise<SigV4Request> {
  const signer = new SignatureV4({ credentials: { accessKeyId, secretAccessKey: opts.secret ?? secretAccessKey }, region: opts.region ?? 'us-east-1', service: 'bedrock', sha256: Sha256 });
  const body = opts.body ?? '{"messages":[]}';
  const path = opts.path ?? '/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse';
  const req = await signer.sign(
    { method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port: 8080, path, query: opts.query ?? {}, headers: { host: '127.0.0.1:8080', 'content-type': 'application/json' }, body },
    { signingDate: opts.date ?? new Date() },
  );
  const headers: IncomingHttpHeaders = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = v;
  const qs = Object.entries(opts.query ?? {}).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  return { method: 'POST', url: qs ? `${path}?${qs}` : path, headers, body: Buffer.from(body) };
}

describe('SigV4 verification', () => {
  it('accepts what the AWS signer produced, once', async () => {
    const v = new SigV4Verifier({ store, masterKey: master });
    const req = await signed({ query: { b: '2', a: 'x y' } });
    const r = await v.verify(req);
    assert.ok(r.ok, !r.ok ? r.reason : '');
    assert.equal(r.credential.accessKeyId, accessKeyId);
    assert.deepEqual(r.credential.roles, ['general-access']);
    const again = await v.verify(req);
    assert.deepEqual(again, { ok: false, reason: 'replayed signature' });
    v.close();
  });

  it('refuses tampered requests', async () => {
    const v = new SigV4Verifier({ store, masterKey: master });
    const base = await signed();
    const cases: [string, SigV4Request][] = [
      ['body', { ...base, body: Buffer.from('{"messages":[1]}') }],
      ['path', { ...base, url: '/model/other/converse' }],
      ['method', { ...base, method: 'PUT' }],
      ['query added', { ...base, url: `${base.url}?x=1` }],
      ['signed header', { ...base, headers: { ...base.headers, 'content-type': 'text/plain' } }],
      ['signature', { ...base, headers: { ...base.headers, authorization: String(base.headers.authorization).replace(/.$/, (c) => (c === '0' ? '1' : '0')) } }],
      ['payload hash header', { ...base, headers: { ...base.headers, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } }],
      ['date header', { ...base, headers: { ...base.headers, 'x-amz-date': '20200101T000000Z' } }],
      ['lowercase scheme', { ...base, headers: { ...base.headers, authorization: String(base.headers.authorization).replace('AWS4-HMAC-SHA256', 'aws4-hmac-sha256') } }],
    ];
    for (const [name, req] of cases) {
      const r = await v.verify(req);
      assert.equal(r.ok, false, name);
    }
    // the untampered request still verifies (none of the above consumed it)
    assert.equal((await v.verify(base)).ok, true);
    v.close();
  });

  it('refuses wrong secrets, unknown keys and other services', async () => {
    const v = new SigV4Verifier({ store, masterKey: master });
    assert.deepEqual(await v.verify(await signed({ secret: 'wrong-secret' })), { ok: false, reason: 'signature mismatch' });
    const unknown = await signed();
    unknown.headers.authorization = String(unknown.headers.authorization).replace(accessKeyId, 'RKIAAAAAAAAAAAAAAAAA');
    assert.equal((await v.verify(unknown)).ok, false);
    const s3 = new SigV4Verifier({ store, masterKey: master, services: ['s3'] });
    assert.deepEqual(await s3.verify(await signed()), { ok: false, reason: 'service not accepted' });
    v.close();
    s3.close();
  });

  it('bounds clock skew to 5 minutes', async () => {
    const v = new SigV4Verifier({ store, masterKey: master });
    assert.equal((await v.verify(await signed({ date: new Date(Date.now() - 6 * 60_000) }))).ok, false);
    assert.equal((await v.verify(await signed({ date: new Date(Date.now() + 6 * 60_000) }))).ok, false);
    assert.equal((await v.verify(await signed({ date: new Date(Date.now() - 4 * 60_000) }))).ok, true);
    v.close();
  });

  it('refuses revoked credentials after the change notification', async () => {
    const issued = await issueSigV4Credential(store, master, { name: 'tmp', roles: [] }, ADMIN);
    const v = new SigV4Verifier({ store, masterKey: master });
    const signer = new SignatureV4({ credentials: { accessKeyId: issued.accessKeyId, secretAccessKey: issued.secretAccessKey }, region: 'us-east-1', service: 'bedrock', sha256: Sha256 });
    const mk = async () => {
      const req = await signer.sign({ method: 'GET', protocol: 'http:', hostname: 'h', path: '/', headers: { host: 'h' } });
      return { method: 'GET', url: '/', headers: req.headers as IncomingHttpHeaders, body: Buffer.alloc(0) };
    };
    assert.equal((await v.verify(await mk())).ok, true);
    await revokeSigV4Credential(store, issued.accessKeyId);
    const r = await v.verify(await mk());
    assert.deepEqual(r, { ok: false, reason: 'unknown access key' });
    v.close();
  });

  it('keeps secrets sealed at rest, bound to their id', async () => {
    const raw = await store.kv.get(SIGV4_KV_PREFIX + accessKeyId);
    assert.ok(raw && !raw.includes(secretAccessKey));
    assert.equal((await loadSigV4Credential(store, randomBytes(32), accessKeyId)), undefined);
    // the sealed secret copied under another id does not open
    const other = 'RKIA' + 'B'.repeat(16);
    await store.kv.set(SIGV4_KV_PREFIX + other, raw.replace(accessKeyId, other));
    assert.equal(await loadSigV4Credential(store, master, other), undefined);
  });

  it('normalises paths like the SDK signer', () => {
    assert.equal(canonicalPath('/model/a%3A0/converse'), '/model/a%253A0/converse');
    assert.equal(canonicalPath('/a/./b/../c/'), '/a/c/');
  });
});

describe('SigV4 with the real Bedrock client', () => {
  it('verifies a Converse call signed by @aws-sdk/client-bedrock-runtime', async () => {
    const v = new SigV4Verifier({ store, masterKey: master });
    const results: boolean[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        // the Bedrock client speaks HTTP/2 (h2c here) and signs :authority rather than host
        const headers = req.headers as IncomingHttpHeaders;
        void v.verify({ method: req.method ?? 'GET', url: req.url ?? '/', headers, body: Buffer.concat(chunks) }).then((r) => {
          results.push(r.ok);
          res.writeHead(r.ok ? 200 : 403, { 'content-type': 'application/json' });
          res.end(
            r.ok
              ? JSON.stringify({ output: { message: { role: 'assistant', content: [{ text: 'hi' }] } }, stopReason: 'end_turn', usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 }, metrics: { latencyMs: 1 } })
              : JSON.stringify({ message: 'denied' }),
          );
        });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const client = new BedrockRuntimeClient({ region: 'us-west-2', endpoint: `http://127.0.0.1:${port}`, credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1 });
    try {
      const out = await client.send(new ConverseCommand({ modelId: 'anthropic.claude-3-haiku-20240307-v1:0', messages: [{ role: 'user', content: [{ text: 'hello, world!' }] }] }));
      assert.equal(out.output?.message?.content?.[0]?.text, 'hi');
      assert.deepEqual(results, [true]);
      const bad = new BedrockRuntimeClient({ region: 'us-west-2', endpoint: `http://127.0.0.1:${port}`, credentials: { accessKeyId, secretAccessKey: 'nope' }, maxAttempts: 1 });
      await assert.rejects(bad.send(new ConverseCommand({ modelId: 'm', messages: [{ role: 'user', content: [{ text: 'x' }] }] })));
      bad.destroy();
      assert.deepEqual(results, [true, false]);
    } finally {
      client.destroy();
      v.close();
      await new Promise((r) => server.close(r));
    }
  });
});
