/**
 * Checks the Anthropic cassettes against the official SDK: if the SDK parses them, they are a
 * faithful enough copy of the Messages API wire format for the provider tests that replay them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { loadCassettes, startCassetteServer, type CassetteServer } from '../../../test/support/cassette-server.js';

const DIR = 'test/cassettes/anthropic';
const WEATHER: Anthropic.Tool = {
  name: 'get_weather',
  description: 'Current weather for a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};
const MODEL = 'claude-3-5-haiku-20241022';

describe('anthropic cassettes parse with the official SDK', () => {
  let server: CassetteServer;
  let client: Anthropic;
  before(async () => {
    server = await startCassetteServer(loadCassettes(DIR));
    client = new Anthropic({ apiKey: 'sk-ant-test-not-a-key', baseURL: server.url, maxRetries: 0, timeout: 10_000 });
  });
  after(() => server.close());

  const ask = (text: string) => ({
    model: MODEL,
    max_tokens: 256,
    messages: [{ role: 'user' as const, content: [{ type: 'text' as const, text }] }],
  });

  test('chat-basic', async () => {
    const r = await client.messages.create(ask('Say hello.'));
    assert.deepEqual(r.content, [{ type: 'text', text: 'Hello! How can I help?' }]);
    assert.equal(r.stop_reason, 'end_turn');
    assert.equal(r.usage.cache_read_input_tokens, 4);
  });

  test('chat-tools and chat-tool-result', async () => {
    const r = await client.messages.create({ ...ask('What is the weather in Paris?'), tools: [WEATHER] });
    const use = r.content.find((b) => b.type === 'tool_use');
    assert.ok(use && use.type === 'tool_use');
    assert.deepEqual(use.input, { city: 'Paris' });
    assert.equal(r.stop_reason, 'tool_use');
    const r2 = await client.messages.create({
      model: MODEL,
      max_tokens: 256,
      tools: [WEATHER],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'What is the weather in Paris?' }] },
        { role: 'assistant', content: r.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '{"temp_c":18}' }] },
      ],
    });
    assert.deepEqual(r2.content, [{ type: 'text', text: 'It is 18°C in Paris.' }]);
  });

  test('chat-max-tokens and chat-stop-sequence', async () => {
    assert.equal((await client.messages.create(ask('Write a long poem.'))).stop_reason, 'max_tokens');
    const r = await client.messages.create({ ...ask('List letters.'), stop_sequences: ['END'] });
    assert.equal(r.stop_reason, 'stop_sequence');
    assert.equal(r.stop_sequence, 'END');
  });

  test('stream-text (ping, message_delta usage) via the SDK stream helper', async () => {
    const s = client.messages.stream(ask('Count to three.'));
    let text = '';
    s.on('text', (t) => (text += t));
    const final = await s.finalMessage();
    assert.equal(text, 'One, two, three – done.');
    assert.equal(final.stop_reason, 'end_turn');
    assert.equal(final.usage.output_tokens, 9);
  });

  test('stream-tools (input_json_delta)', async () => {
    const s = client.messages.stream({ ...ask('Stream the weather in Paris.'), tools: [WEATHER] });
    const final = await s.finalMessage();
    const use = final.content.find((b) => b.type === 'tool_use');
    assert.ok(use && use.type === 'tool_use');
    assert.deepEqual(use.input, { city: 'Paris' });
    assert.equal(final.stop_reason, 'tool_use');
  });

  test('stream-cut makes the SDK throw', async () => {
    const s = await client.messages.create({ ...ask('Tell me a story.'), stream: true });
    await assert.rejects(async () => {
      for await (const e of s) void e;
    });
  });

  test('stream-error-event makes the SDK throw the error event', async () => {
    const s = await client.messages.create({ ...ask('Overload mid-stream.'), stream: true });
    await assert.rejects(
      async () => {
        for await (const e of s) void e;
      },
      (err: unknown) => err instanceof Anthropic.APIError && /Overloaded/.test(err.message),
    );
  });

  test('stream-slow is a valid stream', async () => {
    const s = await client.messages.create({ ...ask('Go slowly.'), stream: true });
    const first = await s[Symbol.asyncIterator]().next();
    assert.equal(first.done, false);
    s.controller.abort();
  });

  for (const [status, cls] of [
    [400, Anthropic.BadRequestError],
    [401, Anthropic.AuthenticationError],
    [429, Anthropic.RateLimitError],
    [500, Anthropic.InternalServerError],
    [529, Anthropic.InternalServerError],
  ] as const) {
    test(`error-${status}`, async () => {
      await assert.rejects(client.messages.create(ask(`Trigger ${status}.`)), (err: unknown) => {
        assert.ok(err instanceof cls);
        assert.equal(err.status, status);
        assert.ok(err.message.length > 0);
        if (status === 429) assert.equal(err.headers?.get('retry-after'), '7');
        return true;
      });
    });
  }

  test('hang sends headers and then nothing', async () => {
    await assert.rejects(client.messages.create(ask('Hang.'), { signal: AbortSignal.timeout(300) }));
  });
});
