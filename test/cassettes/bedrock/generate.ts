/**
 * Writes the Bedrock cassettes. Stream bodies are binary event-stream frames, so they are built
 * here with the real codec and stored base64; hand-edited base64 would be unreviewable.
 * Shapes follow what Bedrock Runtime sends (including the `p` padding field of stream events).
 * Every cassette is checked against the official SDK by src/providers/bedrock/cassettes.test.ts.
 *
 *   npx tsc -p .build/tsconfig.bedrock.json && node .build/bedrock/test/cassettes/bedrock/generate.js
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeEventFrame, encodeExceptionFrame, EVENTSTREAM_CONTENT_TYPE } from '../../../src/providers/bedrock/eventstream.js';

export const BEDROCK_MODEL_ID = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const MODEL_PATH = `/model/${encodeURIComponent(BEDROCK_MODEL_ID)}`;
const CONVERSE = `${MODEL_PATH}/converse`;
const STREAM = `${MODEL_PATH}/converse-stream`;
const DIR = 'test/cassettes/bedrock';

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

const jsonHeaders = (rid: string) => ({ 'content-type': 'application/json', 'x-amzn-requestid': rid });
const streamHeaders = (rid: string) => ({ 'content-type': EVENTSTREAM_CONTENT_TYPE, 'x-amzn-requestid': rid });

const ask = (text: string): Json => ({ messages: [{ role: 'user', content: [{ text }] }] });
const WEATHER_TOOL: Json = { toolConfig: { tools: [{ toolSpec: { name: 'get_weather' } }] } };

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

const ev = (type: string, payload: Json) => encodeEventFrame(type, payload);
const pad = (n: number) => 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0'.slice(0, n);

function converse(content: Json[], stopReason: string, usage: Json, latencyMs = 412): string {
  return JSON.stringify({ output: { message: { role: 'assistant', content } }, stopReason, usage, metrics: { latencyMs } });
}

function errorCassette(name: string, status: number, type: string, message: string, extra: Record<string, string> = {}) {
  const trigger = ask(`Trigger ${name.replace('error-', '')}.`);
  const response = (rid: string) => ({
    status,
    headers: { ...jsonHeaders(rid), 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`, ...extra },
    body: JSON.stringify({ message }),
  });
  // One file, both operations: the same trigger fails the same way streamed or not.
  return [
    { name, request: { method: 'POST', path: CONVERSE, bodyIncludes: trigger }, response: response(`${name}-rid`) },
    { name: `${name}-stream`, request: { method: 'POST', path: STREAM, bodyIncludes: trigger }, response: response(`${name}-stream-rid`) },
  ];
}

/** Splits concatenated frames at odd byte offsets so the decoder sees frames across chunks. */
function oddChunks(frames: Uint8Array[], sizes: number[]): string[] {
  const all = Buffer.concat(frames.map((f) => Buffer.from(f)));
  const out: string[] = [];
  let at = 0;
  let i = 0;
  while (at < all.length) {
    const n = sizes[i++ % sizes.length]!;
    out.push(b64(all.subarray(at, at + n)));
    at += n;
  }
  return out;
}

const toolStreamFrames = [
  ev('messageStart', { p: pad(10), role: 'assistant' }),
  ev('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Let me check.' }, p: pad(4) }),
  ev('contentBlockStop', { contentBlockIndex: 0, p: pad(20) }),
  ev('contentBlockStart', { contentBlockIndex: 1, p: pad(7), start: { toolUse: { name: 'get_weather', toolUseId: 'tooluse_weather_1' } } }),
  ev('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: '' } }, p: pad(3) }),
  ev('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: '{"ci' } }, p: pad(9) }),
  ev('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: 'ty": "Paris"}' } }, p: pad(2) }),
  ev('contentBlockStop', { contentBlockIndex: 1, p: pad(11) }),
  ev('messageStop', { p: pad(6), stopReason: 'tool_use' }),
  ev('metadata', { metrics: { latencyMs: 987 }, p: pad(5), usage: { inputTokens: 380, outputTokens: 54, totalTokens: 434 } }),
];

const cassettes: Record<string, Json> = {
  'chat-basic': {
    name: 'chat-basic',
    request: { method: 'POST', path: CONVERSE, bodyIncludes: ask('Say hello.') },
    response: {
      status: 200,
      headers: jsonHeaders('0b8a6a4e-6f9d-4a7c-9a39-1f8f6c2d0001'),
      // Bedrock counts cached tokens beside inputTokens: the whole prompt is 15 + 4 = 19.
      body: converse([{ text: 'Hello! How can I help?' }], 'end_turn', {
        inputTokens: 15,
        outputTokens: 7,
        totalTokens: 26,
        cacheReadInputTokens: 4,
        cacheWriteInputTokens: 0,
      }),
    },
  },
  'chat-max-tokens': {
    name: 'chat-max-tokens',
    request: { method: 'POST', path: CONVERSE, bodyIncludes: ask('Write a long poem.') },
    response: {
      status: 200,
      headers: jsonHeaders('0b8a6a4e-6f9d-4a7c-9a39-1f8f6c2d0002'),
      body: converse([{ text: 'Upon the hills where morning' }], 'max_tokens', { inputTokens: 12, outputTokens: 5, totalTokens: 17 }),
    },
  },
  'chat-tools': {
    name: 'chat-tools',
    request: { method: 'POST', path: CONVERSE, bodyIncludes: { ...(ask('What is the weather in Paris?') as object), ...(WEATHER_TOOL as object) } },
    response: {
      status: 200,
      headers: jsonHeaders('0b8a6a4e-6f9d-4a7c-9a39-1f8f6c2d0003'),
      body: converse(
        [{ text: 'Let me check.' }, { toolUse: { toolUseId: 'tooluse_weather_1', name: 'get_weather', input: { city: 'Paris' } } }],
        'tool_use',
        { inputTokens: 380, outputTokens: 54, totalTokens: 434 },
      ),
    },
  },
  'chat-tool-result': {
    name: 'chat-tool-result',
    request: {
      method: 'POST',
      path: CONVERSE,
      bodyIncludes: { messages: [{ role: 'user', content: [{ toolResult: { toolUseId: 'tooluse_weather_1' } }] }] },
    },
    response: {
      status: 200,
      headers: jsonHeaders('0b8a6a4e-6f9d-4a7c-9a39-1f8f6c2d0004'),
      body: converse([{ text: 'It is 18°C in Paris.' }], 'end_turn', { inputTokens: 450, outputTokens: 12, totalTokens: 462 }),
    },
  },
  'stream-text': {
    name: 'stream-text',
    request: { method: 'POST', path: STREAM, bodyIncludes: ask('Count to three.') },
    response: {
      status: 200,
      headers: streamHeaders('0b8a6a4e-6f9d-4a7c-9a39-1f8f6c2d0005'),
      chunksBase64: oddChunks(
        [
          ev('messageStart', { p: pad(12), role: 'assistant' }),
          ev('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'One, two,' }, p: pad(8) }),
          ev('contentBlockDelta', { contentBlockIndex: 0, delta: { text: ' three – done.' }, p: pad(1) }),
          ev('contentBlockStop', { contentBlockIndex: 0, p: pad(30) }),
          ev('messageStop', { p: pad(14), stopReason: 'end_turn' }),
          ev('metadata', { metrics: { latencyMs: 321 }, p: pad(3), usage: { inputTokens: 13, outputTokens: 9, totalTokens: 22, cacheReadInputTokens: 0 } }),
        ],
        [7, 200, 1, 90, 333],
      ),
    },
  },
  'stream-tools': {
    name: 'stream-tools',
    request: { method: 'POST', path: STREAM, bodyIncludes: WEATHER_TOOL },
    response: { status: 200, headers: streamHeaders('0b8a6a4e-6f9d-4a7c-9a39-1f8f6c2d0006'), chunksBase64: toolStreamFrames.map(b64) },
  },
  'stream-throttled': {
    name: 'stream-throttled',
    request: { method: 'POST', path: STREAM, bodyIncludes: ask('Trigger throttling.') },
    response: {
      status: 200,
      headers: streamHeaders('0b8a6a4e-6f9d-4a7c-9a39-1f8f6c2d0007'),
      chunksBase64: [
        ev('messageStart', { p: pad(10), role: 'assistant' }),
        ev('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Once' }, p: pad(5) }),
        encodeExceptionFrame('throttlingException', 'Too many tokens, please wait before trying again.'),
      ].map(b64),
    },
  },
  'stream-throttled-first': {
    name: 'stream-throttled-first',
    request: { method: 'POST', path: STREAM, bodyIncludes: ask('Trigger early throttling.') },
    response: {
      status: 200,
      headers: streamHeaders('0b8a6a4e-6f9d-4a7c-9a39-1f8f6c2d0010'),
      chunksBase64: [b64(encodeExceptionFrame('throttlingException', 'Too many requests, please wait before trying again.'))],
    },
  },
  'stream-cut': {
    name: 'stream-cut',
    request: { method: 'POST', path: STREAM, bodyIncludes: ask('Tell me a story.') },
    response: {
      status: 200,
      headers: streamHeaders('0b8a6a4e-6f9d-4a7c-9a39-1f8f6c2d0008'),
      chunksBase64: [
        b64(ev('messageStart', { p: pad(10), role: 'assistant' })),
        b64(ev('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Once upon a time' }, p: pad(5) })),
        // Half a frame, then the connection drops.
        b64(ev('contentBlockDelta', { contentBlockIndex: 0, delta: { text: ' there was' }, p: pad(5) }).subarray(0, 30)),
      ],
      cut: true,
    },
  },
  'stream-slow': {
    name: 'stream-slow',
    request: { method: 'POST', path: STREAM, bodyIncludes: ask('Go slowly.') },
    response: {
      status: 200,
      headers: streamHeaders('0b8a6a4e-6f9d-4a7c-9a39-1f8f6c2d0009'),
      chunkDelayMs: 150,
      chunksBase64: [
        ev('messageStart', { role: 'assistant' }),
        ev('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Slow' } }),
        ev('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'ly.' } }),
        ev('contentBlockStop', { contentBlockIndex: 0 }),
        ev('messageStop', { stopReason: 'end_turn' }),
        ev('metadata', { metrics: { latencyMs: 600 }, usage: { inputTokens: 10, outputTokens: 3, totalTokens: 13 } }),
      ].map(b64),
    },
  },
  hang: [
    { name: 'hang', request: { method: 'POST', path: CONVERSE, bodyIncludes: ask('Hang.') }, response: { status: 200, headers: jsonHeaders('hang-rid'), hang: true } },
    {
      name: 'hang',
      request: { method: 'POST', path: STREAM, bodyIncludes: ask('Hang.') },
      response: { status: 200, headers: streamHeaders('hang-stream-rid'), hang: true },
    },
  ],
  'error-400': errorCassette('error-400', 400, 'ValidationException', 'The model returned the following errors: temperature: must be between 0 and 1.'),
  'error-401': errorCassette('error-401', 403, 'UnrecognizedClientException', 'The security token included in the request is invalid.'),
  'error-403': errorCassette('error-403', 403, 'AccessDeniedException', "You don't have access to the model with the specified model ID."),
  'error-404': errorCassette('error-404', 404, 'ResourceNotFoundException', 'Model not found.'),
  'error-429': errorCassette('error-429', 429, 'ThrottlingException', 'Too many requests, please wait before trying again.', { 'retry-after': '7' }),
  'error-500': errorCassette('error-500', 500, 'InternalServerException', 'The server encountered an internal error.'),
  'error-503': errorCassette('error-503', 503, 'ServiceUnavailableException', 'Bedrock is unable to process your request.'),
};

for (const [file, c] of Object.entries(cassettes)) {
  writeFileSync(join(DIR, `${file}.json`), `${JSON.stringify(c, null, 2)}\n`);
}
console.log(`wrote ${Object.keys(cassettes).length} cassette files to ${DIR}`);
