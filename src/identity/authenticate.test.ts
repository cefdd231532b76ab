import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { RampartError } from '../errors.js';
import type { RequestContext } from '../pipeline/context.js';
import type { Store } from '../store/types.js';
import { createKey, type Creator } from './apikeys.js';
import { createAuthenticateStage } from './authenticate.js';
import { KeyCache } from './keycache.js';
import { MtlsMapper } from './mtls.js';
import { NetworkPolicy } from './network.js';
import { tempStore } from './testing.js';
import type { RequestFacts } from './types.js';

const ADMIN: Creator = { id: 'cli', roles: [], scope: 'admin' };
let store: Store;
let cleanup: () => Promise<void>;
let keys: KeyCache;
let good: string;
let goodId: string;
let netKey: string;
let expired: string;
let revoked: string;
let rotatedOut: string;
let inGrace: string;
let ipSeq = 0;
const freshIp = () => `198.51.100.${++ipSeq}`;

before(async () => {
  ({ store, cleanup } = await tempStore());
  keys = new KeyCache({ store, touchIntervalMs: 3_600_000 });
  const now = Date.now();
  const mk = async (over: object = {}) => createKey(store, { name: 'k', roles: ['general-access'], ...over }, ADMIN);
  ({ key: good, record: { id: goodId } } = await mk({ team: 'red', application: 'billing' }));
  ({ key: netKey } = await mk({ allowedNetworks: ['192.0.2.0/24'] }));
  ({ key: expired } = await mk({ expiresAt: new Date(now - 1000) }));
  const r = await mk();
  revoked = r.key;
  await store.keys.update(r.record.id, { revokedAt: new Date(now - 1000) });
  const o = await mk();
  rotatedOut = o.key;
  await store.keys.update(o.record.id, { graceUntil: new Date(now - 1000) });
  const g = await mk();
  inGrace = g.key;
  await store.keys.update(g.record.id, { graceUntil: new Date(now + 3_600_000) });
  await store.changes.publish('keys');
});
after(async () => {
  await keys.close();
  await cleanup();
});

function ctx(headers: IncomingHttpHeaders, over: { sourceIp?: string; url?: string; clientApi?: RequestContext['clientApi']; http?: Partial<RequestFacts> } = {}): RequestContext {
  return {
    requestId: 'r',
    receivedAt: 0,
    startedAt: new Date(),
    clientApi: over.clientApi ?? 'openai',
    operation: 'chat',
    action: 'InvokeModel',
    sourceIp: over.sourceIp ?? freshIp(),
    headers,
    http: { method: 'POST', url: over.url ?? '/v1/chat/completions', ...over.http },
    signal: new AbortController().signal,
    guardrails: [],
    attempts: 0,
  } as unknown as RequestContext;
}

const stage = () => createAuthenticateStage({ keys, network: new NetworkPolicy() });

async function refused(c: RequestContext, code: 'unauthorized' | 'rate_limited' = 'unauthorized', s = stage()): Promise<RampartError> {
  let caught: unknown;
  await Promise.resolve()
    .then(() => s.run(c))
    .catch((e: unknown) => (caught = e));
  assert.ok(caught instanceof RampartError, `expected a RampartError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.equal(c.principal, undefined);
  return caught;
}

describe('API key authentication', () => {
  it('accepts the canonical Bearer form and x-api-key', async () => {
    const a = ctx({ authorization: `Bearer ${good}` });
    await stage().run(a);
    assert.deepEqual(
      { id: a.principal?.id, roles: a.principal?.roles, team: a.principal?.team, app: a.principal?.application, m: a.principal?.authMethod },
      { id: `apikey:${goodId}`, roles: ['general-access'], team: 'red', app: 'billing', m: 'api_key' },
    );
    const b = ctx({ 'x-api-key': good }, { clientApi: 'anthropic' });
    await stage().run(b);
    assert.equal(b.principal?.keyId, goodId);
  });

  it('marks the Bedrock API key (AWS_BEARER_TOKEN_BEDROCK) as such', async () => {
    const c = ctx({ authorization: `Bearer ${good}` }, { clientApi: 'bedrock', url: '/model/m/converse' });
    await stage().run(c);
    assert.equal(c.principal?.authMethod, 'bedrock_api_key');
  });

  it('refuses missing, malformed and unknown keys', async () => {
    await refused(ctx({}));
    for (const v of ['Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', `Token ${good}`, 'Bearer rk_short', `Bearer ${good.slice(0, -1)}x`, `Bearer ${good}\u200b`])
      await refused(ctx({ authorization: v }));
  });

  it('refuses expired, revoked and rotated-out keys; a key in its grace period works', async () => {
    for (const k of [expired, revoked, rotatedOut]) await refused(ctx({ authorization: `Bearer ${k}` }));
    const c = ctx({ authorization: `Bearer ${inGrace}` });
    await stage().run(c);
    assert.ok(c.principal);
  });

  it('refuses case and whitespace tricks', async () => {
    for (const v of [`bearer ${good}`, `BEARER ${good}`, `Bearer  ${good}`, `Bearer ${good} `, ` Bearer ${good}`, `Bearer\t${good}`, `Bearer ${good} extra`, `Bearer ${good},${good}`])
      await refused(ctx({ authorization: v }));
    await refused(ctx({ 'x-api-key': `${good} ` }));
    await refused(ctx({ 'x-api-key': ` ${good}` }));
    await refused(ctx({ 'x-api-key': [good, good] }));
    // two credentials at once are ambiguous even when both are valid
    await refused(ctx({ authorization: `Bearer ${good}`, 'x-api-key': good }));
  });

  it('fails closed when the face did not provide the raw URL', async () => {
    const c = ctx({ authorization: `Bearer ${good}` });
    (c as { http?: unknown }).http = undefined;
    await assert.rejects(Promise.resolve(stage().run(c)), /ctx\.http/);
    assert.equal(c.principal, undefined);
  });

  it('refuses any key-like query parameter, even alongside a valid header', async () => {
    for (const url of [`/v1/chat/completions?api_key=${good}`, '/v1/models?key=x', '/v1/models?a=1&TOKEN=x', '/v1/models?%6Bey=x', '/v1/models?access_token=x', '/v1/models?X-Amz-Signature=x'])
      await refused(ctx({ authorization: `Bearer ${good}` }, { url }));
    const ok = ctx({ authorization: `Bearer ${good}` }, { url: '/v1/models?limit=5&keyboard=1' });
    await stage().run(ok);
    assert.ok(ok.principal);
  });
});

describe('network controls', () => {
  it('a key limited to networks works only from them', async () => {
    await refused(ctx({ authorization: `Bearer ${netKey}` }, { sourceIp: '203.0.113.7' }));
    const c = ctx({ authorization: `Bearer ${netKey}` }, { sourceIp: '::ffff:192.0.2.44' });
    await stage().run(c);
    assert.ok(c.principal);
  });

  it('the global allow list refuses other sources before any key is checked', async () => {
    const s = createAuthenticateStage({ keys, network: new NetworkPolicy({ allowedNetworks: ['10.0.0.0/8'] }) });
    const e = await refused(ctx({ authorization: `Bearer ${good}` }, { sourceIp: '203.0.113.8' }), 'unauthorized', s);
    assert.match(e.message, /network/);
    const c = ctx({ authorization: `Bearer ${good}` }, { sourceIp: '10.3.3.3' });
    await s.run(c);
    assert.ok(c.principal);
  });
});

describe('lockout and pre-auth limits', () => {
  it('locks an address out after repeated failures, without affecting others', async () => {
    const s = createAuthenticateStage({ keys, network: new NetworkPolicy(), throttle: { maxFailures: 5, windowMs: 60_000, lockMs: 60_000 } });
    const ip = '203.0.113.50';
    for (let i = 0; i < 5; i++) await refused(ctx({ authorization: 'Bearer rk_nope' }, { sourceIp: ip }), 'unauthorized', s);
    const e = await refused(ctx({ authorization: `Bearer ${good}` }, { sourceIp: ip }), 'rate_limited', s);
    assert.ok((e.retryAfter ?? 0) > 0);
    const other = ctx({ authorization: `Bearer ${good}` }, { sourceIp: '203.0.113.51' });
    await s.run(other);
    assert.ok(other.principal);
  });

  it('limits requests per address before authentication', async () => {
    const s = createAuthenticateStage({ keys, network: new NetworkPolicy(), throttle: { preAuthPerWindow: 3 } });
    const ip = '203.0.113.60';
    for (let i = 0; i < 3; i++) await s.run(ctx({ authorization: `Bearer ${good}` }, { sourceIp: ip }));
    await refused(ctx({ authorization: `Bearer ${good}` }, { sourceIp: ip }), 'rate_limited', s);
  });
});

describe('mTLS', () => {
  const mtls = new MtlsMapper([{ match: { subjectCN: 'batch-job', issuerCN: 'Corp CA' }, principal: { roles: ['general-access'], team: 'data' } }]);
  const s = () => createAuthenticateStage({ keys, network: new NetworkPolicy(), mtls });

  it('maps a verified certificate when no other credential is sent', async () => {
    const c = ctx({}, { http: { peerCertificate: { subject: { CN: 'batch-job' }, issuer: { CN: 'Corp CA' } } } });
    await s().run(c);
    assert.deepEqual([c.principal?.id, c.principal?.authMethod, c.principal?.team], ['cert:batch-job', 'mtls', 'data']);
  });

  it('refuses unmatched certificates and rules without a subject', async () => {
    await refused(ctx({}, { http: { peerCertificate: { subject: { CN: 'batch-job' }, issuer: { CN: 'Other CA' } } } }), 'unauthorized', s());
    await refused(ctx({}, { http: { peerCertificate: { subject: { CN: ['batch-job', 'x'] }, issuer: { CN: 'Corp CA' } } } }), 'unauthorized', s());
    assert.throws(() => new MtlsMapper([{ match: { issuerCN: 'Corp CA' }, principal: { roles: [] } }]), /subject/);
  });
});
