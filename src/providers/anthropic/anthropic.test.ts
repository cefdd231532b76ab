import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadCassettes, startCassetteServer, type Cassette } from '../../../test/support/cassette-server.js';
import { RampartError } from '../../errors.js';
import type { ChatRequest } from '../../translate/ir.js';
import { collect, checkStreamOrder, providerConformance, REQUESTS } from '../conformance.js';
import { UpstreamError, type Deployment } from '../types.js';
import { encodeMessages } from './encode.js';
import { createAnthropicProvider } from './index.js';

const DIR = 'test/cassettes/anthropic';
const dep: Deployment = { id: 'ant/haiku', provider: 'ant', upstreamModel: 'claude-3-5-haiku-20241022', weight: 1 };
const call = () => ({ requestId: 'req_1', signal: new AbortController().signal });
const only = (...names: string[]): Cassette[] => loadCassettes(DIR).filter((c) => names.includes(c.name));
const ask = (text: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
  model: 'm',
  system: [],
  messages: [{ role: 'user', content: [{ type: 'text', text }] }],
  stream: false,
  ...extra,
});

providerConformance({
  name: 'anthropic',
  cassetteDir: DIR,
  deployment: dep,
  makeProvider: (baseUrl, o) => createAnthropicProvider({ name: 'ant', kind: 'anthropic', baseUrl, apiKey: 'sk-ant-test', ...(o?.timeouts ? { timeouts: o.timeouts } : {}) }),
});

describe('anthropic provider specifics', () => {
  const withProvider = async (names: string[], fn: (p: ReturnType<typeof createAnthropicProvider>, reqs: { headers: Record<string, unknown>; body: string }[]) => Promise<void>) => {
    const s = await startCassetteServer(only(...names));
    const p = createAnthropicProvider({ name: 'ant', kind: 'anthropic', baseUrl: s.url, apiKey: 'sk-ant-test' });
    try {
      await fn(p, s.requests);
    } finally {
      await p.close();
      await s.close();
    }
  };

  test('headers, system blocks, default max_tokens, cache usage', () =>
    withProvider(['chat-basic'], async (p, reqs) => {
      const r = await p.chat({ ...REQUESTS.basic, maxTokens: undefined }, dep, call());
      assert.deepEqual(r.usage, { inputTokens: 19, outputTokens: 7, cacheReadTokens: 4 });
      assert.equal(reqs[0].headers['x-api-key'], 'sk-ant-test');
      assert.equal(reqs[0].headers['anthropic-version'], '2023-06-01');
      const body = JSON.parse(reqs[0].body) as Record<string, unknown>;
      assert.equal(body.max_tokens, 4096);
      assert.deepEqual(body.system, [{ type: 'text', text: 'You are terse.' }]);
    }));

  test('stop_sequence and max_tokens stop reasons; cache writes counted', () =>
    withProvider(['chat-stop-sequence', 'chat-max-tokens'], async (p) => {
      const r = await p.chat(ask('List letters.', { stop: ['END'] }), dep, call());
      assert.equal(r.stopReason, 'stop_sequence');
      assert.deepEqual(r.usage, { inputTokens: 15, outputTokens: 5, cacheWriteTokens: 3 });
      assert.equal((await p.chat(ask('Write a long poem.'), dep, call())).stopReason, 'max_tokens');
    }));

  test('an `error` event mid-stream -> midStream UpstreamError', () =>
    withProvider(['stream-error-event'], async (p) => {
      const s = await p.chatStream(ask('Overload mid-stream.', { stream: true }), dep, call());
      await assert.rejects(collect(s), (err: unknown) => {
        assert.ok(err instanceof UpstreamError);
        assert.equal(err.midStream, true);
        assert.equal(err.message, 'Overloaded');
        return true;
      });
    }));

  test('529 overloaded -> retryable', () =>
    withProvider(['error-529'], async (p) => {
      await assert.rejects(p.chat(ask('Trigger 529.'), dep, call()), (err: unknown) => err instanceof UpstreamError && err.retryable && err.upstreamStatus === 529);
    }));

  test('stream-tools keeps IR indexes dense and ordered', () =>
    withProvider(['stream-tools'], async (p) => {
      const events = await collect(await p.chatStream(REQUESTS.streamTools, dep, call()));
      checkStreamOrder(events);
      assert.deepEqual(events.at(-1), { type: 'usage', usage: { inputTokens: 400, outputTokens: 55 } });
    }));

  test('embed is refused with bad_request', async () => {
    const p = createAnthropicProvider({ name: 'ant', kind: 'anthropic', apiKey: 'x' });
    await assert.rejects(p.embed({ model: 'm', input: ['a'] }, dep, call()), (err: unknown) => err instanceof RampartError && err.code === 'bad_request');
    await p.close();
  });
});

describe('anthropic encoder', () => {
  test('tool results join the user turn, images as base64 blocks, tool_choice, json mode as instruction', () => {
    const b = encodeMessages(
      {
        model: 'm',
        system: [],
        stream: false,
        toolChoice: 'required',
        responseFormat: { type: 'json_object' },
        user: 'u-1',
        messages: [
          { role: 'user', content: [{ type: 'image', mediaType: 'image/png', data: 'iVBO' }, { type: 'text', text: 'weather?' }] },
          { role: 'assistant', content: [{ type: 'text', text: '' }, { type: 'tool_call', id: 't1', name: 'get_weather', arguments: '{"city":"Paris"}' }] },
          { role: 'tool', content: [{ type: 'tool_result', toolCallId: 't1', content: 'err', isError: true }] },
          { role: 'user', content: [{ type: 'text', text: 'and?' }] },
        ],
      },
      'claude-x',
    );
    assert.deepEqual(b.messages, [
      { role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBO' } }, { type: 'text', text: 'weather?' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'get_weather', input: { city: 'Paris' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'err', is_error: true }, { type: 'text', text: 'and?' }] },
    ]);
    assert.deepEqual(b.tool_choice, { type: 'any' });
    assert.deepEqual(b.metadata, { user_id: 'u-1' });
    assert.match(JSON.stringify(b.system), /JSON object/);
  });

  test('invalid tool call arguments are a bad request naming the field', () => {
    assert.throws(
      () => encodeMessages({ model: 'm', system: [], stream: false, messages: [{ role: 'assistant', content: [{ type: 'tool_call', id: 't', name: 'n', arguments: '{oops' }] }] }, 'c'),
      (err: unknown) => err instanceof RampartError && err.code === 'bad_request' && err.param === 'messages[0].content[0].arguments',
    );
  });
});
