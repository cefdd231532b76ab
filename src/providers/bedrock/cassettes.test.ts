/**
 * Checks the Bedrock cassettes against the official SDK: if BedrockRuntimeClient parses them
 * (JSON bodies, event-stream frames and CRCs, error types), they are a faithful enough copy of the
 * wire format for the provider tests that replay them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  type ConverseStreamOutput,
  type Message,
  type Tool,
} from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { loadCassettes, startCassetteServer, type CassetteServer } from '../../../test/support/cassette-server.js';

const DIR = 'test/cassettes/bedrock';
const MODEL = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const WEATHER: Tool = {
  toolSpec: {
    name: 'get_weather',
    description: 'Current weather for a city',
    inputSchema: { json: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
  },
};

describe('bedrock cassettes parse with the official SDK', () => {
  let server: CassetteServer;
  let client: BedrockRuntimeClient;
  before(async () => {
    server = await startCassetteServer(loadCassettes(DIR));
    client = new BedrockRuntimeClient({
      region: 'us-east-1',
      endpoint: server.url,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-secret' },
      // The cassette server speaks HTTP/1.1; the SDK's default handler would try HTTP/2.
      requestHandler: new NodeHttpHandler(),
      maxAttempts: 1,
    });
  });
  after(async () => {
    client.destroy();
    await server.close();
  });

  const ask = (text: string): Message[] => [{ role: 'user', content: [{ text }] }];

  async function collect(text: string, tools?: Tool[]): Promise<ConverseStreamOutput[]> {
    const r = await client.send(new ConverseStreamCommand({ modelId: MODEL, messages: ask(text), ...(tools ? { toolConfig: { tools } } : {}) }));
    const out: ConverseStreamOutput[] = [];
    for await (const ev of r.stream!) out.push(ev);
    return out;
  }

  test('chat-basic', async () => {
    const r = await client.send(new ConverseCommand({ modelId: MODEL, messages: ask('Say hello.') }));
    assert.equal(r.output?.message?.content?.[0]?.text, 'Hello! How can I help?');
    assert.equal(r.stopReason, 'end_turn');
    assert.equal(r.usage?.cacheReadInputTokens, 4);
    assert.equal(r.metrics?.latencyMs, 412);
  });

  test('chat-tools and chat-tool-result', async () => {
    const r = await client.send(new ConverseCommand({ modelId: MODEL, messages: ask('What is the weather in Paris?'), toolConfig: { tools: [WEATHER] } }));
    assert.equal(r.stopReason, 'tool_use');
    const use = r.output?.message?.content?.find((b) => b.toolUse)?.toolUse;
    assert.deepEqual(use, { toolUseId: 'tooluse_weather_1', name: 'get_weather', input: { city: 'Paris' } });
    const r2 = await client.send(
      new ConverseCommand({
        modelId: MODEL,
        toolConfig: { tools: [WEATHER] },
        messages: [
          ...ask('What is the weather in Paris?'),
          r.output!.message!,
          { role: 'user', content: [{ toolResult: { toolUseId: use!.toolUseId, content: [{ json: { temp_c: 18 } }] } }] },
        ],
      }),
    );
    assert.equal(r2.output?.message?.content?.[0]?.text, 'It is 18°C in Paris.');
  });

  test('chat-max-tokens', async () => {
    const r = await client.send(new ConverseCommand({ modelId: MODEL, messages: ask('Write a long poem.') }));
    assert.equal(r.stopReason, 'max_tokens');
  });

  test('stream-text (frames split across chunks, usage metadata)', async () => {
    const evs = await collect('Count to three.');
    const text = evs.map((e) => e.contentBlockDelta?.delta?.text ?? '').join('');
    assert.equal(text, 'One, two, three – done.');
    assert.equal(evs.find((e) => e.messageStop)?.messageStop?.stopReason, 'end_turn');
    assert.equal(evs.find((e) => e.metadata)?.metadata?.usage?.outputTokens, 9);
  });

  test('stream-tools (toolUse start and input deltas)', async () => {
    const evs = await collect('What is the weather in Paris?', [WEATHER]);
    const start = evs.find((e) => e.contentBlockStart)?.contentBlockStart;
    assert.equal(start?.contentBlockIndex, 1);
    assert.equal(start?.start?.toolUse?.name, 'get_weather');
    const input = evs.map((e) => e.contentBlockDelta?.delta?.toolUse?.input ?? '').join('');
    assert.deepEqual(JSON.parse(input), { city: 'Paris' });
    assert.equal(evs.find((e) => e.messageStop)?.messageStop?.stopReason, 'tool_use');
  });

  test('stream-throttled (exception frame after events)', async () => {
    const seen: string[] = [];
    await assert.rejects(
      (async () => {
        const r = await client.send(new ConverseStreamCommand({ modelId: MODEL, messages: ask('Trigger throttling.') }));
        for await (const ev of r.stream!) seen.push(Object.keys(ev).find((k) => k !== '$unknown') ?? '?');
      })(),
      (err: Error) => err.name === 'ThrottlingException' && /Too many tokens/.test(err.message),
    );
    assert.deepEqual(seen, ['messageStart', 'contentBlockDelta']);
  });

  test('stream-throttled-first (exception as the only frame)', async () => {
    await assert.rejects(collect('Trigger early throttling.'), (err: Error) => err.name === 'ThrottlingException');
  });

  test('stream-slow', async () => {
    const evs = await collect('Go slowly.');
    assert.equal(evs.map((e) => e.contentBlockDelta?.delta?.text ?? '').join(''), 'Slowly.');
  });

  test('stream-cut fails in the SDK too', async () => {
    await assert.rejects(collect('Tell me a story.'));
  });

  for (const [trigger, name, status] of [
    ['400', 'ValidationException', 400],
    ['401', 'UnrecognizedClientException', 403],
    ['403', 'AccessDeniedException', 403],
    ['404', 'ResourceNotFoundException', 404],
    ['429', 'ThrottlingException', 429],
    ['500', 'InternalServerException', 500],
    ['503', 'ServiceUnavailableException', 503],
  ] as const) {
    test(`error-${trigger} -> ${name} (converse and converse-stream)`, async () => {
      const check = (err: { name: string; $metadata?: { httpStatusCode?: number } }) => err.name === name && err.$metadata?.httpStatusCode === status;
      await assert.rejects(client.send(new ConverseCommand({ modelId: MODEL, messages: ask(`Trigger ${trigger}.`) })), check);
      await assert.rejects(client.send(new ConverseStreamCommand({ modelId: MODEL, messages: ask(`Trigger ${trigger}.`) })), check);
    });
  }

  test('the SDK request matches the cassette paths (model id encoding)', () => {
    assert.ok(server.requests.every((r) => r.path.startsWith('/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse')));
  });
});
