/**
 * Checks the OpenAI cassettes against the official SDK: if the SDK parses them, they are a faithful
 * enough copy of the real wire format for the provider tests that replay them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { loadCassettes, startCassetteServer, type CassetteServer } from '../../../test/support/cassette-server.js';

const DIR = 'test/cassettes/openai';
const WEATHER = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

describe('openai cassettes parse with the official SDK', () => {
  let server: CassetteServer;
  let client: OpenAI;
  before(async () => {
    server = await startCassetteServer(loadCassettes(DIR));
    client = new OpenAI({ apiKey: 'sk-test-not-a-key', baseURL: `${server.url}/v1`, maxRetries: 0, timeout: 10_000 });
  });
  after(() => server.close());

  const ask = (content: string) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content }] });

  test('chat-basic', async () => {
    const r = await client.chat.completions.create(ask('Say hello.'));
    assert.equal(r.choices[0].message.content, 'Hello! How can I help?');
    assert.equal(r.choices[0].finish_reason, 'stop');
    assert.equal(r.usage?.prompt_tokens_details?.cached_tokens, 4);
  });

  test('chat-tools and chat-tool-result', async () => {
    const r = await client.chat.completions.create({ ...ask('What is the weather in Paris?'), tools: [WEATHER] });
    const call = r.choices[0].message.tool_calls?.[0];
    assert.ok(call && call.type === 'function');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris' });
    const r2 = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      tools: [WEATHER],
      messages: [
        { role: 'user', content: 'What is the weather in Paris?' },
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: call.id, content: '{"temp_c":18}' },
      ],
    });
    assert.equal(r2.choices[0].message.content, 'It is 18°C in Paris.');
  });

  test('chat-max-tokens', async () => {
    const r = await client.chat.completions.create(ask('Write a long poem.'));
    assert.equal(r.choices[0].finish_reason, 'length');
  });

  test('stream-text (odd chunk boundaries, comment, usage chunk, [DONE])', async () => {
    const s = await client.chat.completions.create({ ...ask('Count to three.'), stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    let finish: string | null = null;
    for await (const c of s) {
      text += c.choices[0]?.delta.content ?? '';
      finish = c.choices[0]?.finish_reason ?? finish;
      if (c.usage) usage = c.usage;
    }
    assert.equal(text, 'One, two, three – done.');
    assert.equal(finish, 'stop');
    assert.equal(usage?.completion_tokens, 9);
  });

  test('stream-tools (tool_calls deltas)', async () => {
    const s = await client.chat.completions.create({ ...ask('Stream the weather in Paris.'), tools: [WEATHER], stream: true });
    let args = '';
    let name = '';
    for await (const c of s) {
      for (const tc of c.choices[0]?.delta.tool_calls ?? []) {
        name += tc.function?.name ?? '';
        args += tc.function?.arguments ?? '';
      }
    }
    assert.equal(name, 'get_weather');
    assert.deepEqual(JSON.parse(args), { city: 'Paris' });
  });

  test('stream-cut makes the SDK throw', async () => {
    const s = await client.chat.completions.create({ ...ask('Tell me a story.'), stream: true });
    await assert.rejects(async () => {
      for await (const c of s) void c;
    });
  });

  test('stream-slow is a valid stream', async () => {
    const s = await client.chat.completions.create({ ...ask('Go slowly.'), stream: true });
    const it = s[Symbol.asyncIterator]();
    const first = await it.next();
    assert.equal(first.done, false);
    s.controller.abort();
  });

  for (const [status, cls] of [
    [400, OpenAI.BadRequestError],
    [401, OpenAI.AuthenticationError],
    [429, OpenAI.RateLimitError],
    [500, OpenAI.InternalServerError],
  ] as const) {
    test(`error-${status}`, async () => {
      await assert.rejects(client.chat.completions.create(ask(`Trigger ${status}.`)), (err: unknown) => {
        assert.ok(err instanceof cls);
        assert.equal(err.status, status);
        assert.ok(err.message.length > 0);
        if (status === 429) assert.equal(err.headers?.get('retry-after'), '7');
        return true;
      });
    });
  }

  test('embeddings', async () => {
    const r = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['hello world', 'good night'], encoding_format: 'float' });
    assert.equal(r.data.length, 2);
    assert.equal(r.data[1].embedding.length, 4);
    assert.equal(r.usage.prompt_tokens, 4);
  });

  test('hang sends headers and then nothing (SDK times out)', async () => {
    // The SDK's own timeout stops at the headers; the body wait needs a signal.
    await assert.rejects(client.chat.completions.create(ask('Hang.'), { signal: AbortSignal.timeout(300) }));
  });

  test('unmatched request gets 599', async () => {
    await assert.rejects(client.chat.completions.create(ask('nothing matches this')), (err: unknown) => {
      assert.ok(err instanceof OpenAI.APIError);
      assert.equal(err.status, 599);
      return true;
    });
  });
});
