/**
 * Malformed and hostile requests: each gets the right 4xx in the caller's API format, with a
 * request id, and never takes the gateway down.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { startHarness, type Harness } from './harness.js';

let h: Harness;
before(async () => { h = await startHarness(); });
after(async () => { await h?.close(); });

type Api = 'openai' | 'anthropic' | 'bedrock';
const PATHS: Record<Api, string> = {
  openai: '/v1/chat/completions',
  anthropic: '/v1/messages',
  bedrock: '/model/m-openai/converse',
};

async function post(api: Api, body: string | Buffer, headers: Record<string, string> = {}, path = PATHS[api]) {
  const res = await request(`${h.gw.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${h.key}`, 'anthropic-version': '2023-06-01', ...headers },
    body,
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, json: safeJson(text) };
}

function safeJson(t: string): Record<string, unknown> | undefined {
  try { return JSON.parse(t) as Record<string, unknown>; } catch { return undefined; }
}

/** Asserts the body is an error in the API's own format and returns its message. */
function errorOf(api: Api, r: Awaited<ReturnType<typeof post>>): string {
  assert.ok(r.headers['x-request-id'], 'x-request-id on every answer');
  assert.ok(r.json, `JSON error body, got: ${r.text.slice(0, 200)}`);
  if (api === 'openai') {
    const e = r.json.error as { message: string; type: string };
    assert.equal(typeof e.message, 'string');
    assert.equal(typeof e.type, 'string');
    return e.message;
  }
  if (api === 'anthropic') {
    assert.equal(r.json.type, 'error');
    const e = r.json.error as { message: string; type: string };
    assert.equal(typeof e.type, 'string');
    return e.message;
  }
  assert.ok(r.headers['x-amzn-errortype'], 'Bedrock errors carry x-amzn-ErrorType');
  assert.equal(typeof r.json.message, 'string');
  return r.json.message as string;
}

const valid: Record<Api, object> = {
  openai: { model: 'm-openai', messages: [{ role: 'user', content: 'Say hello.' }] },
  anthropic: { model: 'm-openai', max_tokens: 16, messages: [{ role: 'user', content: 'Say hello.' }] },
  bedrock: { messages: [{ role: 'user', content: [{ text: 'Say hello.' }] }] },
};

for (const api of ['openai', 'anthropic', 'bedrock'] as const) {
  describe(`${api} face`, () => {
    test('bad JSON -> 400', async () => {
      const r = await post(api, '{"model": ');
      assert.equal(r.status, 400);
      assert.match(errorOf(api, r), /not valid JSON/);
    });

    test('invalid UTF-8 -> 400', async () => {
      const r = await post(api, Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]));
      assert.equal(r.status, 400);
      assert.match(errorOf(api, r), /UTF-8/);
    });

    test('wrong types -> 400 naming the field', async () => {
      const body = api === 'bedrock' ? { messages: 'hello' } : { ...valid[api], messages: [{ role: 'user', content: 42 }] };
      const r = await post(api, JSON.stringify(body));
      assert.equal(r.status, 400);
      assert.match(errorOf(api, r), /messages/);
    });

    test('missing key -> 401', async () => {
      const r = await post(api, JSON.stringify(valid[api]), { authorization: '' });
      assert.equal(r.status, 401);
      errorOf(api, r);
    });

    test('key in the query string is refused', async () => {
      const r = await post(api, JSON.stringify(valid[api]), { authorization: '' }, `${PATHS[api]}?api_key=${h.key}`);
      assert.equal(r.status, 401);
      errorOf(api, r);
    });

    test('unknown model -> 404', async () => {
      const body = api === 'bedrock' ? valid.bedrock : { ...valid[api], model: '../m-openai' };
      const r = await post(api, JSON.stringify(body), {}, api === 'bedrock' ? '/model/%2e%2e%2fm-openai/converse' : PATHS[api]);
      assert.equal(r.status, 404);
      errorOf(api, r);
    });

    test('body over the limit -> 413 before the body is sent', async () => {
      // Declare 10 MB and send nothing: the answer must come without the gateway waiting for it.
      const port = h.gw.port;
      const answer = await new Promise<string>((resolve, reject) => {
        const s = connect(port, '127.0.0.1');
        let got = '';
        s.on('data', (d) => { got += d.toString(); if (got.includes('\r\n\r\n')) { s.destroy(); resolve(got); } });
        s.on('error', reject);
        s.write(`POST ${PATHS[api]} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${h.key}\r\nContent-Type: application/json\r\nContent-Length: 10485760\r\n\r\n`);
      });
      assert.match(answer, /^HTTP\/1\.1 413/);
    });

    test('chunked body over the limit -> 413', async () => {
      const big = Buffer.alloc(200_000, 0x61);
      const r = await request(`${h.gw.url}${PATHS[api]}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${h.key}` },
        body: Readable.from((function* () { for (let i = 0; i < 4; i++) yield big; })()),
      }).catch((err: unknown) => err);
      // Either the 413 arrives, or the gateway closed the connection while we were still sending.
      if (r instanceof Error) return;
      assert.equal((r as { statusCode: number }).statusCode, 413);
    });
  });
}

test('the gateway still answers after all of the above', async () => {
  const r = await post('openai', JSON.stringify(valid.openai));
  assert.equal(r.status, 200, r.text);
});

test('unknown routes -> 404 in OpenAI format, Bedrock-looking routes in Bedrock format', async () => {
  const r1 = await request(`${h.gw.url}/v1/nope`);
  assert.equal(r1.statusCode, 404);
  assert.ok(((await r1.body.json()) as { error?: unknown }).error);
  const r2 = await request(`${h.gw.url}/model/x/invoke`, { method: 'POST', body: '{}' });
  assert.equal(r2.statusCode, 404);
  assert.ok(r2.headers['x-amzn-errortype']);
  await r2.body.text();
});

test('healthz and readyz', async () => {
  const r = await request(`${h.gw.url}/healthz`);
  assert.equal(r.statusCode, 200);
  assert.ok(r.headers['x-request-id']);
  await r.body.text();
  const r2 = await request(`${h.gw.url}/readyz`);
  assert.equal(r2.statusCode, 200);
  await r2.body.text();
});

test('GET /metrics (loopback only by default) serves Prometheus text with the request counters', async () => {
  const r = await request(`${h.gw.url}/metrics`);
  assert.equal(r.statusCode, 200);
  const text = await r.body.text();
  assert.match(text, /^# HELP rampart_/m);
  assert.match(text, /rampart_requests_total\{/);
});
