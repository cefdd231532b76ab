import assert from 'node:assert/strict';
import { test } from 'node:test';
import { request } from 'undici';
import { matchesPartial, startCassetteServer, type Cassette } from './cassette-server.js';

test('matchesPartial: deep partial objects, order-free arrays, exact primitives', () => {
  const body = { model: 'm', stream: true, messages: [{ role: 'system', content: 's' }, { role: 'user', content: 'hi' }] };
  assert.ok(matchesPartial({ messages: [{ role: 'user' }] }, body));
  assert.ok(matchesPartial({ stream: true, messages: [{ content: 'hi' }, { content: 's' }] }, body));
  assert.ok(!matchesPartial({ stream: false }, body));
  assert.ok(!matchesPartial({ messages: [{ role: 'tool' }] }, body));
  assert.ok(!matchesPartial({ missing: null }, body));
  assert.ok(!matchesPartial({ messages: { role: 'user' } }, body));
});

const cassettes: Cassette[] = [
  { name: 'a', request: { method: 'POST', path: '/x', bodyIncludes: { k: 1 } }, response: { status: 201, headers: { 'x-h': 'a' }, body: 'first' } },
  { name: 'b', request: { method: 'POST', path: '/x' }, response: { status: 200, chunks: ['one,', 'two'], chunksBase64: [Buffer.from(',three').toString('base64')] } },
  { name: 'cut', request: { method: 'GET', path: '/cut' }, response: { status: 200, chunks: ['partial'], cut: true } },
  { name: 'hang', request: { method: 'GET', path: '/hang' }, response: { status: 200, headers: { 'x-h': 'hang' }, hang: true } },
];

test('replays the first match, records requests, 599 when nothing matches, cut and hang', async () => {
  const s = await startCassetteServer(cassettes);
  try {
    const r1 = await request(`${s.url}/x?q=1`, { method: 'POST', body: '{"k":1,"other":2}' });
    assert.equal(r1.statusCode, 201);
    assert.equal(r1.headers['x-h'], 'a');
    assert.equal(await r1.body.text(), 'first');
    const r2 = await request(`${s.url}/x`, { method: 'POST', body: '{"k":2}' });
    assert.equal(await r2.body.text(), 'one,two,three');
    const r3 = await request(`${s.url}/nope`, { method: 'POST', body: '{}' });
    assert.equal(r3.statusCode, 599);
    assert.match(await r3.body.text(), /no cassette matches POST \/nope/);
    const r4 = await request(`${s.url}/cut`);
    await assert.rejects(r4.body.text());
    const ac = new AbortController();
    const r5 = await request(`${s.url}/hang`, { signal: ac.signal });
    assert.equal(r5.headers['x-h'], 'hang');
    ac.abort();
    await assert.rejects(r5.body.text());
    assert.deepEqual(
      s.requests.map((r) => `${r.method} ${r.path} ${r.body}`),
      ['POST /x?q=1 {"k":1,"other":2}', 'POST /x {"k":2}', 'POST /nope {}', 'GET /cut ', 'GET /hang '],
    );
  } finally {
    await s.close();
  }
});
