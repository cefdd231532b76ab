/**
 * The Bedrock face against the official BedrockRuntimeClient over real HTTP/2 cleartext (the SDK's
 * default transport): a node:http2 server decodes with the face and answers fixed IR results.
 */
import assert from 'node:assert/strict';
import { createServer, type Http2Server, type ServerHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  ThrottlingException,
  type ConverseStreamOutput,
  type Message,
  type Tool,
} from '@aws-sdk/client-bedrock-runtime';
import { RampartError, toRampartError } from '../../../errors.js';
import type { GuardrailOutcome } from '../../../pipeline/context.js';
import type { ChatRequest, ChatResponse, StreamEvent } from '../../../translate/ir.js';
import type { EncodeExtras, WireAnswer } from '../types.js';
import { bedrockFace, parseBedrockPath } from './index.js';

const MODEL = 'us.anthropic.claude-3-5-haiku-20241022-v1:0';
const WEATHER: Tool = {
  toolSpec: {
    name: 'get_weather',
    description: 'Current weather for a city',
    inputSchema: { json: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
  },
};

const ANSWER: ChatResponse = {
  id: 'r1',
  model: 'upstream-model',
  content: [
    { type: 'text', text: 'Let me check.' },
    { type: 'tool_call', id: 'tooluse_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
  ],
  stopReason: 'tool_use',
  usage: { inputTokens: 30, outputTokens: 12, cacheReadTokens: 5 },
};

const TOOL_STREAM: StreamEvent[] = [
  { type: 'start', id: 'r2', model: 'upstream-model' },
  { type: 'text', index: 0, text: 'Let me ' },
  { type: 'text', index: 0, text: 'check.' },
  { type: 'block_stop', index: 0 },
  { type: 'tool_call_start', index: 1, id: 'tooluse_2', name: 'get_weather' },
  { type: 'tool_call_delta', index: 1, arguments: '{"city":' },
  { type: 'tool_call_delta', index: 1, arguments: '"Paris"}' },
  { type: 'block_stop', index: 1 },
  { type: 'stop', stopReason: 'tool_use' },
  { type: 'usage', usage: { inputTokens: 40, outputTokens: 20 } },
];

const BLOCKED: GuardrailOutcome = {
  guardrailId: 'gr-pii',
  version: '1',
  source: 'INPUT',
  action: 'INTERVENED',
  findings: [],
  mode: 'enforce',
  assessment: { sensitiveInformationPolicy: { piiEntities: [{ match: 'a@b.c', type: 'EMAIL', action: 'BLOCKED', detected: true }], regexes: [] } },
};

/** What the test server saw, for assertions on the decoded IR. */
const decoded: ChatRequest[] = [];

function send(stream: ServerHttp2Stream, a: WireAnswer): void {
  stream.respond({ ':status': a.status, ...a.headers });
  stream.end(typeof a.body === 'string' ? a.body : Buffer.from(a.body));
}

function handle(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, raw: string): void {
  const requestId = 'rid-test-1';
  const extras: EncodeExtras = { requestId, guardrails: [], latencyMs: () => 12.4 };
  try {
    const route = parseBedrockPath(String(headers[':path']));
    if (!route) throw new RampartError('not_found');
    const req = bedrockFace.decodeChat(JSON.parse(raw), { modelFromPath: route.modelId, stream: route.stream });
    decoded.push(req);
    const firstText = req.messages[0]?.content[0]?.type === 'text' ? req.messages[0].content[0].text : '';
    if (firstText === 'Trigger 429.') throw new RampartError('rate_limited', { retryAfter: 3 });
    if (firstText === 'Trigger 403.') throw new RampartError('forbidden', { message: 'Policy denies this model.' });
    if (firstText === 'Guard me.') extras.guardrails.push(BLOCKED);
    if (!route.stream) {
      send(stream, bedrockFace.encodeChat(ANSWER, req, extras));
      return;
    }
    const enc = bedrockFace.streamEncoder(req, extras);
    stream.respond({ ':status': 200, 'content-type': enc.contentType, 'x-amzn-requestid': requestId });
    const events = firstText === 'Trigger throttling.' ? TOOL_STREAM.slice(0, 3) : TOOL_STREAM;
    for (const ev of events) {
      const frame = enc.event(ev);
      if (frame) stream.write(frame);
    }
    if (firstText === 'Trigger throttling.') stream.end(enc.error(new RampartError('rate_limited', { message: 'Slow down.' })));
    else stream.end(enc.end());
  } catch (err) {
    send(stream, bedrockFace.encodeError(toRampartError(err), requestId));
  }
}

describe('bedrock face with the official SDK over h2c', () => {
  let server: Http2Server;
  let client: BedrockRuntimeClient;
  before(async () => {
    server = createServer();
    server.on('stream', (stream, headers) => {
      const parts: Buffer[] = [];
      stream.on('data', (b: Buffer) => parts.push(b));
      stream.on('end', () => handle(stream, headers, Buffer.concat(parts).toString('utf8')));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    client = new BedrockRuntimeClient({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${port}`,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-secret' },
      maxAttempts: 1,
    });
  });
  after(async () => {
    client.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const ask = (text: string): Message[] => [{ role: 'user', content: [{ text }] }];

  test('Converse: request decodes to the IR, the answer parses in the SDK', async () => {
    const r = await client.send(
      new ConverseCommand({
        modelId: MODEL,
        system: [{ text: 'Be brief.' }],
        messages: [
          ...ask('What is the weather in Paris?'),
          { role: 'assistant', content: [{ toolUse: { toolUseId: 't0', name: 'get_weather', input: { city: 'Rome' } } }] },
          { role: 'user', content: [{ toolResult: { toolUseId: 't0', content: [{ json: { temp_c: 20 } }], status: 'success' } }, { text: 'And Paris?' }] },
        ],
        inferenceConfig: { maxTokens: 100, temperature: 0.5, stopSequences: ['STOP'] },
        toolConfig: { tools: [WEATHER], toolChoice: { any: {} } },
      }),
    );
    const req = decoded.at(-1)!;
    assert.equal(req.model, MODEL);
    assert.equal(req.stream, false);
    assert.deepEqual(req.system, ['Be brief.']);
    assert.deepEqual(req.messages.map((m) => m.role), ['user', 'assistant', 'tool', 'user']);
    assert.deepEqual(req.messages[1]!.content[0], { type: 'tool_call', id: 't0', name: 'get_weather', arguments: '{"city":"Rome"}' });
    assert.deepEqual(req.messages[2]!.content[0], { type: 'tool_result', toolCallId: 't0', content: '{"temp_c":20}' });
    assert.equal(req.maxTokens, 100);
    assert.deepEqual(req.stop, ['STOP']);
    assert.equal(req.toolChoice, 'required');
    assert.deepEqual(req.tools?.[0]?.parameters, WEATHER.toolSpec!.inputSchema!.json);

    assert.equal(r.stopReason, 'tool_use');
    assert.equal(r.output?.message?.content?.[0]?.text, 'Let me check.');
    assert.deepEqual(r.output?.message?.content?.[1]?.toolUse, { toolUseId: 'tooluse_1', name: 'get_weather', input: { city: 'Paris' } });
    // IR inputTokens includes cached tokens; Bedrock reports them beside inputTokens.
    assert.deepEqual(r.usage, { inputTokens: 25, outputTokens: 12, totalTokens: 42, cacheReadInputTokens: 5 });
    assert.equal(r.metrics?.latencyMs, 12);
    assert.equal(r.$metadata.requestId, 'rid-test-1');
    assert.equal(r.trace, undefined);
  });

  test('Converse: an intervening guardrail shows up as trace.guardrail', async () => {
    const r = await client.send(new ConverseCommand({ modelId: MODEL, messages: ask('Guard me.') }));
    const g = r.trace?.guardrail;
    assert.ok(g);
    assert.deepEqual(g.inputAssessment?.['gr-pii']?.sensitiveInformationPolicy?.piiEntities?.[0]?.type, 'EMAIL');
    assert.match(g.actionReason ?? '', /blocked/);
  });

  test('ConverseStream: text then a tool call, stop reason and usage metadata', async () => {
    const r = await client.send(new ConverseStreamCommand({ modelId: MODEL, messages: ask('What is the weather?'), toolConfig: { tools: [WEATHER] } }));
    assert.equal(decoded.at(-1)!.stream, true);
    const evs: ConverseStreamOutput[] = [];
    for await (const ev of r.stream!) evs.push(ev);
    assert.deepEqual(
      evs.map((e) => Object.keys(e)[0]),
      ['messageStart', 'contentBlockDelta', 'contentBlockDelta', 'contentBlockStop', 'contentBlockStart', 'contentBlockDelta', 'contentBlockDelta', 'contentBlockStop', 'messageStop', 'metadata'],
    );
    assert.equal(evs.map((e) => e.contentBlockDelta?.delta?.text ?? '').join(''), 'Let me check.');
    assert.deepEqual(evs[4]!.contentBlockStart, { contentBlockIndex: 1, start: { toolUse: { toolUseId: 'tooluse_2', name: 'get_weather' } } });
    assert.deepEqual(JSON.parse(evs.map((e) => e.contentBlockDelta?.delta?.toolUse?.input ?? '').join('')), { city: 'Paris' });
    assert.equal(evs[8]!.messageStop?.stopReason, 'tool_use');
    assert.deepEqual(evs[9]!.metadata?.usage, { inputTokens: 40, outputTokens: 20, totalTokens: 60 });
    assert.equal(evs[9]!.metadata?.metrics?.latencyMs, 12);
  });

  test('errors: the SDK throws the named exception with status and request id', async () => {
    await assert.rejects(client.send(new ConverseCommand({ modelId: MODEL, messages: ask('Trigger 429.') })), (err: unknown) => {
      assert.ok(err instanceof ThrottlingException, String(err));
      assert.equal(err.$metadata.httpStatusCode, 429);
      assert.equal(err.$metadata.requestId, 'rid-test-1');
      return true;
    });
    await assert.rejects(client.send(new ConverseStreamCommand({ modelId: MODEL, messages: ask('Trigger 403.') })), (err: Error) => {
      assert.equal(err.name, 'AccessDeniedException');
      assert.equal(err.message, 'Policy denies this model.');
      return true;
    });
  });

  test('a bad request names the field path in a ValidationException', async () => {
    await assert.rejects(
      client.send(
        new ConverseCommand({
          modelId: MODEL,
          messages: [{ role: 'user', content: [{ text: 'hi' }, { toolResult: { toolUseId: 't', content: [{ video: { format: 'mp4', source: { bytes: new Uint8Array([1]) } } }] } }] }],
        }),
      ),
      (err: Error) => {
        assert.equal(err.name, 'ValidationException');
        assert.match(err.message, /messages\[0\]\.content\[1\]\.toolResult\.content\[0\]\.video/);
        return true;
      },
    );
  });

  test('ConverseStream: an exception frame mid-stream surfaces as ThrottlingException after the events', async () => {
    const r = await client.send(new ConverseStreamCommand({ modelId: MODEL, messages: ask('Trigger throttling.') }));
    const seen: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const ev of r.stream!) seen.push(Object.keys(ev)[0]!);
      })(),
      (err: unknown) => err instanceof ThrottlingException && err.message === 'Slow down.',
    );
    assert.deepEqual(seen, ['messageStart', 'contentBlockDelta', 'contentBlockDelta']);
  });
});
