/** The `rampart` command on plain Node: embedded defaults, demo key, config validate/schema. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { request } from 'undici';

const CLI = resolve('dist/src/cli/rampart.js');

test('rampart serve on embedded defaults: demo key printed once, saved 0600, works; SIGTERM drains and exits 0', async (t) => {
  const cwd = mkdtempSync(join(tmpdir(), 'rampart-cli-'));
  t.after(() => rmSync(cwd, { recursive: true, force: true }));
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8');
  const url = await new Promise<string>((res, rej) => {
    child.stdout.on('data', (d: string) => {
      out += d;
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) res(m[1]);
    });
    child.once('exit', (code) => rej(new Error(`exited ${code}: ${out}`)));
  });
  try {
    const keyFile = join(cwd, 'data', 'demo-key.txt');
    const key = readFileSync(keyFile, 'utf8').trim();
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    assert.ok(out.includes(key), 'the key is printed once');
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const r = await request(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'rampart-demo', messages: [{ role: 'user', content: 'hello' }] }),
    });
    const body = (await r.body.json()) as { choices: { message: { content: string } }[] };
    assert.equal(r.statusCode, 200);
    assert.match(body.choices[0].message.content, /^\[rampart demo\]/);
  } finally {
    child.kill('SIGTERM');
  }
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  assert.equal(code, 0);

  // Second start: no new key.
  const again = spawn(process.execPath, [CLI, 'serve', '--port', '0'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out2 = '';
  again.stdout.setEncoding('utf8');
  await new Promise<void>((res) => again.stdout.on('data', (d: string) => { out2 += d; if (out2.includes('listening')) res(); }));
  again.kill('SIGTERM');
  await new Promise((r) => again.once('exit', r));
  assert.doesNotMatch(out2, /created a demo API key/);
});

test('rampart config validate names the field path and exits 1; schema prints JSON Schema', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-cfg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'rampart.yaml');
  writeFileSync(file, 'server: { port: 99999 }\nproviders: [{ name: a, kind: demo }]\n');
  const bad = spawnSync(process.execPath, [CLI, 'config', 'validate', file], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /server\.port/);
  writeFileSync(file, 'providers: [{ name: a, kind: demo }]\nmodels: [{ name: m, deployments: [{ provider: a, model: x }] }]\n');
  const good = spawnSync(process.execPath, [CLI, 'config', 'validate', file], { encoding: 'utf8' });
  assert.equal(good.status, 0, good.stderr);
  const schema = spawnSync(process.execPath, [CLI, 'config', 'schema'], { encoding: 'utf8' });
  assert.equal(schema.status, 0);
  const parsed = JSON.parse(schema.stdout) as { type: string; properties: Record<string, unknown> };
  assert.equal(parsed.type, 'object');
  assert.ok(parsed.properties.providers && parsed.properties.models);
});

test('unknown command exits 2 with usage', () => {
  const r = spawnSync(process.execPath, [CLI, 'frobnicate'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /usage/);
});
