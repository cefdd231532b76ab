/** Timeouts, disconnects, mid-stream failures, graceful shutdown and config reload, end to end. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import OpenAI from 'openai';
import { startHarness } from './harness.js';
import { loadConfigFile } from '../../src/config/load.js';
import { startGateway } from '../../src/app.js';
import { createKey } from '../../src/identity/apikeys.js';
import { pino } from 'pino';

async function waitFor<T>(fn: () => Promise<T | undefined> | T | undefined, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('an upstream that hangs after its headers -> 504 upstream_timeout, in the caller format', async () => {
  const h = await startHarness();
  try {
    const client = new OpenAI({ baseURL: `${h.gw.url}/v1`, apiKey: h.key, maxRetries: 0 });
    await assert.rejects(client.chat.completions.create({ model: 'm-openai', messages: [{ role: 'user', content: 'Hang.' }] }),
      (err: unknown) => err instanceof OpenAI.APIError && err.status === 504);
  } finally {
    await h.close();
  }
});

test('a stream cut mid-way upstream ends with an error event in the caller format', async () => {
  const h = await startHarness();
  try {
    const client = new OpenAI({ baseURL: `${h.gw.url}/v1`, apiKey: h.key, maxRetries: 0 });
    for (const model of ['m-openai', 'm-bedrock']) {
      const stream = await client.chat.completions.create({ model, stream: true, messages: [{ role: 'user', content: 'Tell me a story.' }] });
      let text = '';
      await assert.rejects((async () => { for await (const c of stream) text += c.choices[0]?.delta?.content ?? ''; })());
      assert.ok(text.length > 0, `${model}: some text arrived before the cut`);
    }
    const cut = await waitFor(async () => {
      const recs = (await h.gw.store.records.queryInvocations({ limit: 10 })).filter((r) => (JSON.parse(r.body) as { truncated?: boolean }).truncated);
      return recs.length >= 2 ? recs : undefined;
    });
    assert.equal(cut.length, 2, 'both cut streams are recorded as truncated');
  } finally {
    await h.close();
  }
});

test('a client that disconnects mid-stream aborts the upstream call and is recorded as truncated', async () => {
  const h = await startHarness();
  try {
    const ac = new AbortController();
    const res = await request(`${h.gw.url}/v1/chat/completions`, {
      method: 'POST', signal: ac.signal,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${h.key}` },
      body: JSON.stringify({ model: 'm-openai', stream: true, messages: [{ role: 'user', content: 'Go slowly.' }] }),
    });
    const it = res.body[Symbol.asyncIterator]();
    await it.next();
    ac.abort();
    await it.return?.().catch(() => undefined);
    // The upstream connection for the slow stream is closed long before its 6 s of chunks end.
    const started = Date.now();
    const rec = await waitFor(async () =>
      (await h.gw.store.records.queryInvocations({ limit: 5 })).find((r) => (JSON.parse(r.body) as { truncated?: boolean }).truncated));
    assert.ok(rec, 'the cut stream has an invocation record marked truncated');
    assert.ok(Date.now() - started < 4000, 'recorded long before the upstream would have finished');
  } finally {
    await h.close();
  }
});

test('graceful shutdown drains an in-flight stream on HTTP/1.1', async () => {
  const h = await startHarness();
  const client = new OpenAI({ baseURL: `${h.gw.url}/v1`, apiKey: h.key, maxRetries: 0 });
  const stream = await client.chat.completions.create({ model: 'm-bedrock', stream: true, messages: [{ role: 'user', content: 'Go slowly.' }] });
  const closing = h.close();
  let text = '';
  for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
  await closing;
  assert.ok(text.length > 0);
  await assert.rejects(request(`${h.gw.url}/healthz`));
});

test('config reload: a valid change swaps in, an invalid one keeps the last good config', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-reload-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'reload.yaml');
  const yaml = (models: string) => `
server: { host: 127.0.0.1, port: 0 }
store: { kind: sqlite, path: ${join(dir, 'reload.db')} }
log: { level: silent }
providers: [{ name: demo, kind: demo }]
models:
${models}`;
  writeFileSync(file, yaml('  - { name: first, deployments: [{ provider: demo, model: d1 }] }'));
  const gw = await startGateway({ loaded: loadConfigFile(file), logger: pino({ level: 'silent' }) });
  try {
    const { key } = await createKey(gw.store, { name: 'k', roles: ['platform-admin'] }, { id: 't', roles: [], scope: 'admin' });
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });
    const ids = async () => (await client.models.list()).data.map((m) => m.id).sort();
    assert.deepEqual(await ids(), ['first']);

    writeFileSync(file, yaml('  - { name: second, deployments: [{ provider: demo, model: d1 }] }'));
    assert.equal(await gw.reloader!.reload('test'), true);
    assert.deepEqual(await ids(), ['second']);

    writeFileSync(file, yaml('  - { name: third, deployments: [{ provider: nope, model: d1 }] }'));
    assert.equal(await gw.reloader!.reload('test'), false);
    assert.deepEqual(await ids(), ['second'], 'the last good config stays');

    // A stream that started before a reload finishes on the config it started with.
    const stream = await client.chat.completions.create({ model: 'second', stream: true, messages: [{ role: 'user', content: 'hello there' }] });
    writeFileSync(file, yaml('  - { name: fourth, deployments: [{ provider: demo, model: d1 }] }'));
    assert.equal(await gw.reloader!.reload('test'), true);
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
    assert.match(text, /rampart demo/);
  } finally {
    await gw.close();
  }
});
