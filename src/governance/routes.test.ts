/**
 * The governance admin routes behind the real admin router: API-key authentication, Cedar authorization (with a
 * deployment policy granting the approver roles ApproveModel), and the records Recorder writing the audit chain.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { Agent, request } from 'undici';
import { parseConfigText } from '../config/load.js';
import { Runtime, RuntimeHolder } from '../config/runtime.js';
import { openStore, type Store } from '../store/index.js';
import { createIdentity } from '../identity/config.js';
import { createAuthz } from '../authz/config.js';
import { standInKit } from '../guardrails/testkit.js';
import { createKey } from '../identity/apikeys.js';
import { Recorder, storeSink } from '../records/index.js';
import { createAdminRouter, startAdminListener } from '../server/admin/index.js';
import { auditVia } from './audit.js';
import { governanceRoutes } from './routes.js';
import { appInput } from './testing.js';

// The approvers' ApproveModel permit ships in policies/roles/governance.cedar; the deployment adds proposers.
const APPROVERS_POLICY = `
@id("ml-engineers-propose")
permit (principal in Role::"ml-engineer", action == Action::"ManageModels", resource is Model);
`;

describe('governance admin routes (real router, Cedar, audit chain)', () => {
  let dir: string;
  let store: Store;
  let recorder: Recorder;
  let close: () => Promise<void>;
  let url: string;
  const agent = new Agent();
  const keys: Record<string, string> = {};

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rampart-gov-routes-'));
    mkdirSync(join(dir, 'policies'));
    writeFileSync(join(dir, 'policies', 'governance.cedar'), APPROVERS_POLICY);
    const config = parseConfigText(`
store: { kind: sqlite, path: ${join(dir, 'rampart.db')} }
authz: { policyDir: policies }
providers: [{ name: demo, kind: demo }]
models: [{ name: m-demo, deployments: [{ provider: demo, model: demo-1 }] }]
guardrails: { attach: { all: [] } }
`, join(dir, 'rampart.yaml'), {});
    const loaded = { config, baseDir: dir };
    const holder = new RuntimeHolder(new Runtime(loaded, { kit: standInKit() }));
    store = await openStore({ kind: 'sqlite', path: join(dir, 'rampart.db'), pollIntervalMs: 50 });
    const identity = createIdentity(config.identity, { store });
    const authz = createAuthz(config.authz, { baseDir: dir, store });
    recorder = await Recorder.create({ spoolDir: join(dir, 'spool'), store: store.records, sinks: [storeSink(store.records)], sync: false });
    const router = createAdminRouter({
      routes: governanceRoutes({ store, audit: auditVia((e) => recorder.audit(e)), runtime: () => holder.current }),
      holder,
      authenticate: identity.stage,
      authorizer: authz.authorizer,
      audit: (e) => recorder.audit(e),
      clientIp: (peer) => peer,
      logger: pino({ level: 'silent' }),
    });
    const listener = await startAdminListener({ host: '127.0.0.1', port: 0 }, router.handler, { headersTimeoutMs: 5000, requestTimeoutMs: 10_000, keepAliveTimeoutMs: 1000 });
    url = `http://127.0.0.1:${listener.address().port}`;
    const admin = { id: 'test', roles: [], scope: 'admin' as const };
    for (const [who, roles] of Object.entries({ admin: ['platform-admin'], dana: ['ml-engineer'], lee: ['legal'], sam: ['security'], eve: ['developer'] })) {
      keys[who] = (await createKey(store, { name: who, roles }, admin)).key;
    }
    close = async () => {
      await agent.close();
      await listener.close(1000);
      await recorder.close();
      await identity.close();
      authz.close();
      await store.close();
      await holder.current.close();
      rmSync(dir, { recursive: true, force: true });
    };
  });
  after(() => close());

  async function call(who: string, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown) {
    const res = await request(`${url}/admin/v1${path}`, {
      method, dispatcher: agent,
      headers: { authorization: `Bearer ${keys[who]}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.body.text();
    return { status: res.statusCode, body: text ? (JSON.parse(text) as Record<string, any>) : {} };
  }

  it('proposes, requests and approves a transition; self-approval and non-approvers are refused', async () => {
    assert.equal((await call('dana', 'POST', '/governance/models', { name: 'gpt-x', provider: 'openai', dataClassifications: ['public'] })).status, 201);
    const req = await call('dana', 'POST', '/governance/models/gpt-x/transitions', { to: 'evaluation', reason: 'pilot' });
    assert.equal(req.status, 201);
    const id = req.body.approval.id as string;
    const eve = await call('eve', 'POST', `/governance/approvals/${id}/decisions`, { decision: 'approve', reason: 'ok' });
    assert.equal(eve.status, 403, 'Cedar: developers are not approvers');
    const lee = await call('lee', 'POST', `/governance/approvals/${id}/decisions`, { decision: 'approve', reason: 'ok' });
    assert.equal(lee.status, 403);
    assert.match(lee.body.error.message, /Not an approver.*security/);
    const sam = await call('sam', 'POST', `/governance/approvals/${id}/decisions`, { decision: 'approve', reason: 'threat model ok' });
    assert.equal(sam.status, 200);
    assert.equal(sam.body.status, 'approved');
    const got = await call('admin', 'GET', '/governance/models/gpt-x');
    assert.equal(got.body.model.stage, 'evaluation');
  });

  it('refuses an application with an unknown scope or classification, naming the field', async () => {
    const bad = await call('admin', 'POST', '/governance/applications', { ...appInput({ id: 'routes-app' }), scope: 9 });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.param, 'scope');
    const bad2 = await call('admin', 'PATCH', '/governance/applications/nope', { dataClassification: 'secret' });
    assert.equal(bad2.status, 404);
    assert.equal((await call('admin', 'POST', '/governance/applications', appInput({ id: 'routes-app', scope: 3 }))).status, 201);
    const bad3 = await call('admin', 'PATCH', '/governance/applications/routes-app', { dataClassification: 'secret' });
    assert.equal(bad3.status, 400);
    assert.equal(bad3.body.error.param, 'dataClassification');
    const posture = await call('admin', 'GET', '/governance/applications/routes-app/posture');
    assert.equal(posture.body.status, 'blocked', 'scope 3 without a prompt-attack guardrail');
    assert.equal((await call('dana', 'GET', '/governance/applications')).status, 403, 'ManageApplications is for admins');
  });

  it('writes the governance events into the audit chain', async () => {
    await recorder.flush();
    const rows = await store.records.queryAudit({ limit: 1000 });
    const names = new Set(rows.map((r) => r.eventName));
    for (const n of ['ProposeModel', 'RequestModelTransition', 'ApproveModelTransition', 'ApplyModelTransition', 'CreateApplication']) assert.ok(names.has(n), `${n} in ${[...names].join(', ')}`);
    const approve = rows.find((r) => r.eventName === 'ApproveModelTransition' && r.errorCode === undefined);
    assert.match(approve!.body, /threat model ok/);
    assert.ok(rows.some((r) => r.eventName === 'ApproveModelTransition' && r.errorCode === 'forbidden'), 'the refusal is audited');
  });
});
