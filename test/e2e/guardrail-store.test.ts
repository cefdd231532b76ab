/**
 * Guardrails created through the admin API live in the store (src/app.ts wiring): two in-process gateways on one
 * SQLite file see each other's guardrails and versions, a restart keeps them, and ids defined in the config stay
 * read-only through the API.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { parseConfigText } from '../../src/config/load.js';
import { startGateway, type Gateway } from '../../src/app.js';
import { createKey } from '../../src/identity/apikeys.js';

const dir = mkdtempSync(join(tmpdir(), 'rampart-guardrail-store-'));
const running = new Set<Gateway>();
let key: string;

function start(name: string): Promise<Gateway> {
  const yaml = `
server: { host: 127.0.0.1, port: 0 }
store: { kind: sqlite, path: ${join(dir, 'shared.db')} }
log: { level: silent }
records: { spoolDir: ${join(dir, `spool-${name}`)} }
providers: [{ name: demo, kind: demo }]
models: [{ name: m, deployments: [{ provider: demo, model: d }] }]
guardrails:
  definitions:
    - { id: cfg-guard, name: cfg-guard, blockedInputMessaging: blocked, blockedOutputsMessaging: blocked }
  attach: { all: [] }
`;
  const config = parseConfigText(yaml, join(dir, `${name}.yaml`), {});
  return startGateway({ loaded: { config, baseDir: dir }, logger: pino({ level: 'silent' }), watch: false }).then((gw) => {
    running.add(gw);
    return gw;
  });
}

async function stop(gw: Gateway): Promise<void> {
  running.delete(gw);
  await gw.close();
}

async function api(gw: Gateway, method: string, path: string, body?: unknown) {
  const r = await fetch(`${gw.url}/admin/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

const def = (word: string) => ({
  name: 'words',
  blockedInputMessaging: 'blocked',
  blockedOutputsMessaging: 'blocked',
  wordPolicyConfig: { wordsConfig: [{ text: word }] },
});
const wordOf = (body: Record<string, unknown>) =>
  (body.definition as { wordPolicyConfig: { wordsConfig: { text: string }[] } }).wordPolicyConfig.wordsConfig[0].text;

let a: Gateway;
let b: Gateway;

before(async () => {
  a = await start('a');
  b = await start('b');
  ({ key } = await createKey(a.store, { name: 'admin', roles: ['platform-admin'] }, { id: 'test', roles: [], scope: 'admin' }));
});

after(async () => {
  for (const gw of [...running]) await stop(gw);
  rmSync(dir, { recursive: true, force: true });
});

test('a guardrail created on one instance is read, updated and versioned on the other', async () => {
  assert.equal((await api(a, 'POST', '/guardrails', { id: 'shared-guard', ...def('alpha') })).status, 201);
  const seen = await api(b, 'GET', '/guardrails/shared-guard');
  assert.equal(seen.status, 200);
  assert.equal(wordOf(seen.body), 'alpha');
  assert.equal((await api(b, 'POST', '/guardrails', { id: 'shared-guard', ...def('beta') })).status, 409, 'the id is taken on every instance');

  assert.equal((await api(b, 'PUT', '/guardrails/shared-guard', def('beta'))).status, 200);
  assert.equal(wordOf((await api(a, 'GET', '/guardrails/shared-guard')).body), 'beta');

  // One version made on each instance at once: two distinct numbers.
  const made = await Promise.all([a, b].map((gw) => api(gw, 'POST', '/guardrails/shared-guard/versions', {})));
  assert.deepEqual(made.map((r) => r.status), [201, 201]);
  assert.deepEqual(made.map((r) => r.body.version).sort(), ['1', '2']);
  assert.deepEqual((await api(a, 'GET', '/guardrails/shared-guard')).body.versions, ['DRAFT', '1', '2']);
  assert.equal((await api(b, 'GET', '/guardrails/shared-guard?version=3')).status, 404);
});

test('a client can run an API-created guardrail: by header on a model call and through ApplyGuardrail, on any instance', async () => {
  assert.equal((await api(a, 'POST', '/guardrails', { id: 'client-guard', ...def('zebra') })).status, 201);
  assert.equal((await api(a, 'POST', '/guardrails/client-guard/versions', {})).status, 201);
  const chat = (gw: Gateway, guardrail: string, content: string) =>
    fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-rampart-guardrail': guardrail },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content }] }),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as { choices?: { finish_reason: string; message: { content: string } }[]; error?: { message: string } } }));
  const blocked = await chat(b, 'client-guard:1', 'Tell me about the zebra.');
  assert.equal(blocked.status, 200);
  assert.equal(blocked.body.choices?.[0].finish_reason, 'content_filter');
  assert.equal(blocked.body.choices?.[0].message.content, 'blocked');
  const passed = await chat(b, 'client-guard:1', 'Tell me about the horse.');
  assert.notEqual(passed.body.choices?.[0].finish_reason, 'content_filter');
  const unknown = await chat(b, 'client-guard:9', 'hello');
  assert.equal(unknown.status, 400);
  assert.match(unknown.body.error?.message ?? '', /Unknown guardrail 'client-guard' version '9'/);

  const applied = await fetch(`${b.url}/guardrail/client-guard/version/1/apply`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ source: 'INPUT', content: [{ text: { text: 'a zebra crossing' } }] }),
  });
  assert.equal(applied.status, 200);
  assert.equal(((await applied.json()) as { action: string }).action, 'GUARDRAIL_INTERVENED');
  const missing = await fetch(`${b.url}/guardrail/nope/version/1/apply`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ source: 'INPUT', content: [{ text: { text: 'x' } }] }),
  });
  assert.equal(missing.status, 404);
});

test('ids defined in the config still refuse to be created or changed through the API', async () => {
  assert.equal((await api(a, 'POST', '/guardrails', { id: 'cfg-guard', ...def('x') })).status, 409);
  assert.equal((await api(b, 'PUT', '/guardrails/cfg-guard', def('x'))).status, 409);
  assert.equal((await api(a, 'POST', '/guardrails/cfg-guard/versions', {})).status, 409);
  const list = (await api(b, 'GET', '/guardrails')).body.guardrails as { id: string; source: string }[];
  assert.deepEqual(list.filter((g) => g.id === 'cfg-guard').map((g) => g.source), ['config']);
});

test('API-created guardrails and their versions survive a restart', async () => {
  const created = await api(a, 'POST', '/guardrails', def('gamma'));
  assert.equal(created.status, 201);
  const id = created.body.id as string;
  assert.equal((await api(a, 'POST', `/guardrails/${id}/versions`, { description: 'kept' })).status, 201);
  await stop(a);
  await stop(b);
  a = await start('a');
  const list = (await api(a, 'GET', '/guardrails')).body.guardrails as { id: string; source: string; versions: string[] }[];
  assert.deepEqual(list.find((g) => g.id === id), { id, source: 'api', versions: ['DRAFT', '1'] });
  const v1 = await api(a, 'GET', `/guardrails/${id}?version=1`);
  assert.equal(v1.body.description, 'kept');
  assert.equal(wordOf(v1.body), 'gamma');
});
