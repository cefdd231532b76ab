import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { loadCassettes, startCassetteServer, type Cassette } from '../../../test/support/cassette-server.js';
import type { OpenAIProviderConfig } from '../../config/schema.js';
import type { ChatRequest } from '../../translate/ir.js';
import { checkStreamOrder, collect, providerConformance, REQUESTS } from '../conformance.js';
import { UpstreamError, type Deployment, type Timeouts } from '../types.js';
import { decodeChatStream } from './decode.js';
import { encodeChat } from './encode.js';
import { createOpenAIProvider } from './index.js';

const DIR = 'test/cassettes/openai';
const dep: Deployment = { id: 'oai/gpt-4o-mini', provider: 'oai', upstreamModel: 'gpt-4o-mini', weight: 1 };
const cfg = (baseUrl: string, extra: Partial<OpenAIProviderConfig> = {}, timeouts?: Partial<Timeouts>): OpenAIProviderConfig => ({
  name: 'oai',
  kind: 'openai',
  baseUrl,
  apiKey: 'sk-test-not-a-key',
  ...(timeouts ? { timeouts } : {}),
  ...extra,
});
const call = () => ({ requestId: 'req_1', signal: new AbortController().signal });

providerConformance({
  name: 'openai',
  cassetteDir: DIR,
  deployment: dep,
  makeProvider: (baseUrl, o) => createOpenAIProvider(cfg(`${baseUrl}/v1`, {}, o?.timeouts)),
});

const only = (...names: string[]): Cassette[] => loadCassettes(DIR).filter((c) => names.includes(c.name));

describe('openai provider specifics', () => {
  test('bearer auth, cached tokens, the request body', async () => {
    const s = await startCassetteServer(only('chat-basic'));
    const p = createOpenAIProvider(cfg(`${s.url}/v1`, { organization: 'org-1', headers: { 'x-extra': 'y' } }));
    try {
      const r = await p.chat(REQUESTS.basic, dep, call());
      assert.equal(r.usage.cacheReadTokens, 4);
      const req = s.requests[0];
      assert.equal(req.headers.authorization, 'Bearer sk-test-not-a-key');
      assert.equal(req.headers['openai-organization'], 'org-1');
      assert.equal(req.headers['x-extra'], 'y');
      const body = JSON.parse(req.body) as Record<string, unknown>;
      assert.deepEqual(body.messages, [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Say hello.' },
      ]);
      assert.equal(body.max_tokens, 64, 'non-OpenAI hosts get max_tokens');
      assert.equal(body.temperature, 0);
      assert.equal(body.stream, undefined);
    } finally {
      await p.close();
      await s.close();
    }
  });

  test('Azure: api-key header and ?api-version=', async () => {
    const s = await startCassetteServer(only('chat-basic'));
    const p = createOpenAIProvider(cfg(`${s.url}/v1`, { azureApiVersion: '2024-10-21' }));
    try {
      await p.chat(REQUESTS.basic, dep, call());
      const req = s.requests[0];
      assert.equal(req.path, '/v1/chat/completions?api-version=2024-10-21');
      assert.equal(req.headers['api-key'], 'sk-test-not-a-key');
      assert.equal(req.headers.authorization, undefined);
      assert.equal((JSON.parse(req.body) as Record<string, unknown>).max_completion_tokens, 64);
    } finally {
      await p.close();
      await s.close();
    }
  });

  test('finish_reason length -> max_tokens', async () => {
    const s = await startCassetteServer(only('chat-max-tokens'));
    const p = createOpenAIProvider(cfg(`${s.url}/v1`));
    try {
      const r = await p.chat({ ...REQUESTS.basic, system: [], messages: [{ role: 'user', content: [{ type: 'text', text: 'Write a long poem.' }] }] }, dep, call());
      assert.equal(r.stopReason, 'max_tokens');
    } finally {
      await p.close();
      await s.close();
    }
  });

  test('401 -> retryable upstream_error that does not echo the upstream text', async () => {
    const s = await startCassetteServer(only('error-401'));
    const p = createOpenAIProvider(cfg(`${s.url}/v1`));
    try {
      await assert.rejects(p.chat({ ...REQUESTS.error(400), messages: [{ role: 'user', content: [{ type: 'text', text: 'Trigger 401.' }] }] }, dep, call()), (err: unknown) => {
        assert.ok(err instanceof UpstreamError);
        assert.equal(err.code, 'upstream_error');
        assert.equal(err.status, 502);
        assert.doesNotMatch(err.message, /sk-/);
        return true;
      });
    } finally {
      await p.close();
      await s.close();
    }
  });

  test('embeddings: float vectors in index order, usage', async () => {
    const s = await startCassetteServer(only('embeddings'));
    const p = createOpenAIProvider(cfg(`${s.url}/v1`));
    try {
      const r = await p.embed({ model: 'emb', input: ['hello world', 'good night'], dimensions: 4 }, { ...dep, upstreamModel: 'text-embedding-3-small' }, call());
      assert.equal(r.vectors.length, 2);
      assert.equal(r.vectors[0][0], 0.0023064255);
      assert.equal(r.usage.inputTokens, 4);
      const body = JSON.parse(s.requests[0].body) as Record<string, unknown>;
      assert.equal(body.encoding_format, 'float');
      assert.equal(body.dimensions, 4);
      assert.equal(body.model, 'text-embedding-3-small');
    } finally {
      await p.close();
      await s.close();
    }
  });
});

describe('openai encoder', () => {
  test('images as data URLs, tool results as tool messages, tool_choice, response_format, stop', () => {
    const req: ChatRequest = {
      model: 'm',
      system: ['a', 'b'],
      stream: true,
      stop: ['END'],
      toolChoice: { name: 'get_weather' },
      responseFormat: { type: 'json_schema', name: 'out', schema: { type: 'object' }, strict: true },
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image', mediaType: 'image/png', data: 'iVBORw0K' }] },
        { role: 'assistant', content: [{ type: 'tool_call', id: 'c1', name: 'get_weather', arguments: '{}' }] },
        { role: 'tool', content: [{ type: 'tool_result', toolCallId: 'c1', content: 'boom', isError: true }] },
      ],
    };
    const b = encodeChat(req, { upstreamModel: 'gpt-x', maxTokensField: 'max_completion_tokens' });
    assert.deepEqual(b.messages, [
      { role: 'system', content: 'a' },
      { role: 'system', content: 'b' },
      { role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0K' } }] },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'c1', content: 'Error: boom' },
    ]);
    assert.deepEqual(b.tool_choice, { type: 'function', function: { name: 'get_weather' } });
    assert.deepEqual(b.response_format, { type: 'json_schema', json_schema: { name: 'out', schema: { type: 'object' }, strict: true } });
    assert.deepEqual(b.stop, ['END']);
    assert.deepEqual(b.stream_options, { include_usage: true });
  });
});

describe('openai connection reuse', () => {
  test('a fully read stream leaves its connection reusable', async () => {
    const stream = loadCassettes(DIR).find((c) => c.name === 'stream-tools');
    assert.ok(stream?.response.chunks);
    const body = stream.response.chunks.join('');
    let connections = 0;
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        // The response ends a little after [DONE], as real upstreams' chunked encoding does.
        res.write(body);
        setTimeout(() => res.end(), 20);
      });
    });
    server.on('connection', () => connections++);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const p = createOpenAIProvider(cfg(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`));
    try {
      for (let i = 0; i < 3; i++) {
        await collect(await p.chatStream(REQUESTS.streamTools, dep, call()));
        // The drained tail is released asynchronously; without a turn the next call would race it.
        await new Promise((r) => setTimeout(r, 60));
      }
      assert.equal(connections, 1);
    } finally {
      await p.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});

describe('openai stream decoder', () => {
  async function* sse(...chunks: unknown[]) {
    for (const c of chunks) yield { data: typeof c === 'string' ? c : JSON.stringify(c) };
  }
  const chunk = (delta: unknown, finish: string | null = null) => ({ id: 'c1', model: 'gpt', choices: [{ index: 0, delta, finish_reason: finish }] });

  test('Azure filter preamble skipped; parallel tool calls become sequential blocks; no [DONE] accepted after finish', async () => {
    const events = await collect(
      decodeChatStream(
        sse(
          { id: '', choices: [], prompt_filter_results: [] },
          chunk({ role: 'assistant', tool_calls: [{ index: 0, id: 'a', function: { name: 'f', arguments: '{}' } }] }),
          chunk({ tool_calls: [{ index: 1, id: 'b', function: { name: 'g', arguments: '{"x":' } }] }),
          chunk({ tool_calls: [{ index: 1, function: { arguments: '1}' } }] }),
          chunk({}, 'tool_calls'),
        ),
      ),
    );
    checkStreamOrder(events);
    assert.deepEqual(events, [
      { type: 'start', id: 'c1', model: 'gpt' },
      { type: 'tool_call_start', index: 0, id: 'a', name: 'f' },
      { type: 'tool_call_delta', index: 0, arguments: '{}' },
      { type: 'block_stop', index: 0 },
      { type: 'tool_call_start', index: 1, id: 'b', name: 'g' },
      { type: 'tool_call_delta', index: 1, arguments: '{"x":' },
      { type: 'tool_call_delta', index: 1, arguments: '1}' },
      { type: 'block_stop', index: 1 },
      { type: 'stop', stopReason: 'tool_use' },
    ]);
  });

  test('malformed chunk, error chunk, and an unfinished end all throw', async () => {
    await assert.rejects(collect(decodeChatStream(sse(chunk({ content: 'a' }), '{not json'))), UpstreamError);
    await assert.rejects(collect(decodeChatStream(sse({ error: { message: 'boom' } }))), /boom/);
    await assert.rejects(collect(decodeChatStream(sse(chunk({ content: 'a' })))), (e: unknown) => e instanceof UpstreamError && e.midStream);
  });
});
