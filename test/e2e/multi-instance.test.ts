/**
 * Two gateway instances as two OS processes (`rampart serve`) sharing one store and one Redis:
 * a key revoked through the store stops working on both within the stated bound, and a
 * 100-requests-per-minute limit holds to exactly 100 across both under concurrent load.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { request } from 'undici';
import { openStore, type Store } from '../../src/store/index.js';
import { createKey, revokeKey } from '../../src/identity/apikeys.js';

const CLI = resolve('dist/src/cli/rampart.js');
const ADMIN = { id: 'test', roles: [], scope: 'admin' as const };

function redisUp(): Promise<boolean> {
  return new Promise((res) => {
    const s = connect(6379, '127.0.0.1');
    s.once('connect', () => { s.destroy(); res(true); });
    s.once('error', () => res(false));
  });
}

let dir: string;
let store: Store;
const procs: ChildProcess[] = [];
const urls: string[] = [];
let skip: string | undefined;

function startInstance(name: string, prefix: string): Promise<string> {
  const cfg = join(dir, `${name}.yaml`);
  writeFileSync(cfg, `
server: { host: 127.0.0.1, port: 0 }
store: { kind: sqlite, path: ${join(dir, 'shared.db')} }
log: { level: warn, requests: false }
records: { spoolDir: ${join(dir, `spool-${name}`)} }
providers: [{ name: demo, kind: demo }]
models: [{ name: m, deployments: [{ provider: demo, model: d }] }]
guardrails: { attach: { all: [] } }
limits:
  store: { kind: redis, url: "redis://127.0.0.1:6379", keyPrefix: "${prefix}" }
  rules: [{ id: shared-rpm, on: model, match: m, rpm: 100 }]
`);
  const child = spawn(process.execPath, [CLI, 'serve', '--config', cfg], { stdio: ['ignore', 'pipe', 'inherit'] });
  procs.push(child);
  return new Promise((res, rej) => {
    let out = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => { out += d; const m = /listening on (http:\/\/\S+)/.exec(out); if (m) res(m[1]); });
    child.once('exit', (code) => rej(new Error(`instance ${name} exited ${code}: ${out}`)));
  });
}

before(async () => {
  if (!(await redisUp())) {
    if (process.env.CI === 'true') throw new Error('Redis at 127.0.0.1:6379 is required in CI');
    skip = 'Redis at 127.0.0.1:6379 is not running';
    return;
  }
  dir = mkdtempSync(join(tmpdir(), 'rampart-multi-'));
  store = await openStore({ kind: 'sqlite', path: join(dir, 'shared.db') });
  const prefix = `rampart:test:${randomBytes(4).toString('hex')}:`;
  urls.push(await startInstance('a', prefix), await startInstance('b', prefix));
});

after(async () => {
  for (const p of procs) p.kill('SIGTERM');
  await Promise.all(procs.map((p) => new Promise((r) => (p.exitCode !== null ? r(null) : p.once('exit', r)))));
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function call(url: string, key: string) {
  return request(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hello' }] }),
  }).then(async (r) => { await r.body.text(); return r.statusCode; });
}

test('a 100 rpm limit holds to exactly 100 across two processes sharing Redis', async (t) => {
  if (skip) return t.skip(skip);
  const { key } = await createKey(store, { name: 'load', roles: ['general-access'] }, ADMIN);
  const statuses = await Promise.all(Array.from({ length: 160 }, (_, i) => call(urls[i % 2], key)));
  assert.equal(statuses.filter((s) => s === 200).length, 100);
  assert.equal(statuses.filter((s) => s === 429).length, 60);
});

test('a key revoked in the store stops working on both instances within 3 s (SQLite change poll: 1 s)', async (t) => {
  if (skip) return t.skip(skip);
  const { key, record } = await createKey(store, { name: 'revoke-me', roles: ['general-access'] }, ADMIN);
  // Both instances have seen (and cached) the key.
  for (const url of urls) assert.notEqual(await call(url, key), 401);
  await revokeKey(store, record.id, ADMIN);
  const started = Date.now();
  for (const url of urls) {
    for (;;) {
      const s = await call(url, key);
      if (s === 401) break;
      assert.ok(Date.now() - started < 3000, `still accepted after ${Date.now() - started} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
});
