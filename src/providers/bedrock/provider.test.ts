/** The bedrock provider against the replayed Bedrock wire format (cassettes) over loopback HTTP. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { BedrockProviderConfig } from '../../config/schema.js';
import type { ChatRequest, StreamEvent } from '../../translate/ir.js';
import { loadCassettes, startCassetteServer, type CassetteServer } from '../../../test/support/cassette-server.js';
import { UpstreamError, type Deployment, type Provider } from '../types.js';
import { createBedrockProvider } from './index.js';
import { encodeEventFrame, FrameDecoder, FrameError } from './eventstream.js';
import { cachedCredentials } from './auth.js';

const MODEL = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const DEPLOYMENT: Deployment = { id: 'bedrock/haiku', provider: 'aws', upstreamModel: MODEL, weight: 1 };
const WEATHER = {
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

function ask(text: string, extra: Partial<ChatRequest> = {}): ChatRequest {
  return { model: 'haiku', system: [], messages: [{ role: 'user', content: [{ type: 'text', text }] }], stream: false, ...extra };
}

function call() {
  return { requestId: 'req-test-1', signal: new AbortController().signal };
}

async function drain(it: AsyncIterable<StreamEvent>, into: StreamEvent[] = []): Promise<StreamEvent[]> {
  for await (const ev of it) into.push(ev);
  return into;
}

describe('bedrock provider (cassettes)', () => {
  let server: CassetteServer;
  let provider: Provider;
  let cfg: BedrockProviderConfig;
  before(async () => {
    server = await startCassetteServer(loadCassettes('test/cassettes/bedrock'));
    cfg = {
      name: 'aws',
      kind: 'bedrock',
      region: 'us-east-1',
      endpoint: server.url,
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'not-a-secret-at-all',
      sessionToken: 'session-token-example',
    };
    provider = createBedrockProvider(cfg);
  });
  after(async () => {
    await provider.close();
    await server.close();
  });

  test('chat-basic: text, stop reason, usage with cache reads, upstream request id', async () => {
    const r = await provider.chat(ask('Say hello.', { system: ['Be brief.'], maxTokens: 50, temperature: 0.2, stop: ['END'] }), DEPLOYMENT, call());
    assert.deepEqual(r.content, [{ type: 'text', text: 'Hello! How can I help?' }]);
    assert.equal(r.stopReason, 'end_turn');
    assert.deepEqual(r.usage, { inputTokens: 19, outputTokens: 7, cacheReadTokens: 4, cacheWriteTokens: 0 });
    assert.equal(r.id, '0b8a6a4e-6f9d-4a7c-9a39-1f8f6c2d0001');
    assert.equal(r.model, MODEL);
    const sent = JSON.parse(server.requests.at(-1)!.body);
    assert.deepEqual(sent.system, [{ text: 'Be brief.' }]);
    assert.deepEqual(sent.inferenceConfig, { maxTokens: 50, temperature: 0.2, stopSequences: ['END'] });
  });

  test('SigV4: the request carries a valid signature for service bedrock', async () => {
    await provider.chat(ask('Say hello.'), DEPLOYMENT, call());
    const rec = server.requests.at(-1)!;
    const auth = String(rec.headers.authorization);
    assert.match(auth, /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/bedrock\/aws4_request, SignedHeaders=[^,]+, Signature=[0-9a-f]{64}$/);
    assert.equal(rec.headers['x-amz-security-token'], 'session-token-example');
    // Re-sign what the server received with the same date: the signatures must agree.
    const amzDate = String(rec.headers['x-amz-date']);
    const signingDate = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
    const signed = /SignedHeaders=([^,]+)/.exec(auth)![1]!.split(';');
    const headers: Record<string, string> = {};
    for (const h of signed) headers[h] = String(rec.headers[h]);
    const url = new URL(server.url);
    const again = await new SignatureV4({
      service: 'bedrock',
      region: 'us-east-1',
      sha256: Sha256,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-secret-at-all', sessionToken: 'session-token-example' },
    }).sign(
      { method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: rec.path, query: {}, headers, body: rec.body },
      { signingDate },
    );
    assert.equal(again.headers.authorization, auth);
  });

  test('bearer token (Bedrock API key) replaces SigV4', async () => {
    const p = createBedrockProvider({ name: 'aws-key', kind: 'bedrock', region: 'us-east-1', endpoint: server.url, bearerToken: 'bedrock-api-key-example' });
    try {
      await p.chat(ask('Say hello.'), DEPLOYMENT, call());
      const rec = server.requests.at(-1)!;
      assert.equal(rec.headers.authorization, 'Bearer bedrock-api-key-example');
      assert.equal(rec.headers['x-amz-date'], undefined);
    } finally {
      await p.close();
    }
  });

  test('chat-tools, then chat-tool-result with the tool call replayed as toolUse/toolResult', async () => {
    const r = await provider.chat(ask('What is the weather in Paris?', { tools: [WEATHER], toolChoice: 'auto' }), DEPLOYMENT, call());
    assert.equal(r.stopReason, 'tool_use');
    const tc = r.content.find((p) => p.type === 'tool_call');
    assert.ok(tc && tc.type === 'tool_call');
    assert.equal(tc.name, 'get_weather');
    assert.deepEqual(JSON.parse(tc.arguments), { city: 'Paris' });
    const sent = JSON.parse(server.requests.at(-1)!.body);
    assert.deepEqual(sent.toolConfig, { tools: [{ toolSpec: { name: 'get_weather', description: WEATHER.description, inputSchema: { json: WEATHER.parameters } } }], toolChoice: { auto: {} } });

    const r2 = await provider.chat(
      {
        ...ask('What is the weather in Paris?', { tools: [WEATHER] }),
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'What is the weather in Paris?' }] },
          { role: 'assistant', content: r.content },
          { role: 'tool', content: [{ type: 'tool_result', toolCallId: tc.id, content: '{"temp_c":18}' }] },
        ],
      },
      DEPLOYMENT,
      call(),
    );
    assert.deepEqual(r2.content, [{ type: 'text', text: 'It is 18°C in Paris.' }]);
    const sent2 = JSON.parse(server.requests.at(-1)!.body);
    assert.deepEqual(sent2.messages[1].content[1], { toolUse: { toolUseId: 'tooluse_weather_1', name: 'get_weather', input: { city: 'Paris' } } });
    assert.deepEqual(sent2.messages[2], { role: 'user', content: [{ toolResult: { toolUseId: 'tooluse_weather_1', content: [{ text: '{"temp_c":18}' }] } }] });
  });

  test('chat-max-tokens', async () => {
    const r = await provider.chat(ask('Write a long poem.'), DEPLOYMENT, call());
    assert.equal(r.stopReason, 'max_tokens');
  });

  test('stream-text: frames split at odd offsets decode into IR events', async () => {
    const evs = await drain(await provider.chatStream(ask('Count to three.', { stream: true }), DEPLOYMENT, call()));
    assert.deepEqual(evs, [
      { type: 'start', id: '0b8a6a4e-6f9d-4a7c-9a39-1f8f6c2d0005', model: MODEL },
      { type: 'text', index: 0, text: 'One, two,' },
      { type: 'text', index: 0, text: ' three – done.' },
      { type: 'block_stop', index: 0 },
      { type: 'stop', stopReason: 'end_turn' },
      { type: 'usage', usage: { inputTokens: 13, outputTokens: 9, cacheReadTokens: 0 } },
    ]);
  });

  test('stream-tools: toolUse start, argument deltas, tool_use stop, usage', async () => {
    const evs = await drain(await provider.chatStream(ask('What is the weather in Paris?', { stream: true, tools: [WEATHER] }), DEPLOYMENT, call()));
    assert.deepEqual(evs.slice(1), [
      { type: 'text', index: 0, text: 'Let me check.' },
      { type: 'block_stop', index: 0 },
      { type: 'tool_call_start', index: 1, id: 'tooluse_weather_1', name: 'get_weather' },
      { type: 'tool_call_delta', index: 1, arguments: '' },
      { type: 'tool_call_delta', index: 1, arguments: '{"ci' },
      { type: 'tool_call_delta', index: 1, arguments: 'ty": "Paris"}' },
      { type: 'block_stop', index: 1 },
      { type: 'stop', stopReason: 'tool_use' },
      { type: 'usage', usage: { inputTokens: 380, outputTokens: 54 } },
    ]);
  });

  test('stream-throttled: exception frame after events -> rate_limited, retryable, midStream', async () => {
    const seen: StreamEvent[] = [];
    const it = await provider.chatStream(ask('Trigger throttling.', { stream: true }), DEPLOYMENT, call());
    await assert.rejects(drain(it, seen), (err: unknown) => {
      assert.ok(err instanceof UpstreamError);
      assert.equal(err.code, 'rate_limited');
      assert.equal(err.retryable, true);
      assert.equal(err.midStream, true);
      assert.match(err.message, /throttlingException: Too many tokens/);
      return true;
    });
    assert.deepEqual(seen.map((e) => e.type), ['start', 'text']);
  });

  test('stream-throttled-first: an exception as the first frame rejects chatStream itself, retryable', async () => {
    await assert.rejects(provider.chatStream(ask('Trigger early throttling.', { stream: true }), DEPLOYMENT, call()), (err: unknown) => {
      assert.ok(err instanceof UpstreamError);
      assert.equal(err.code, 'rate_limited');
      assert.equal(err.retryable, true);
      assert.equal(err.midStream, false);
      return true;
    });
  });

  test('stream-cut: a half frame then a dropped connection -> midStream upstream_error', async () => {
    const seen: StreamEvent[] = [];
    const it = await provider.chatStream(ask('Tell me a story.', { stream: true }), DEPLOYMENT, call());
    await assert.rejects(drain(it, seen), (err: unknown) => err instanceof UpstreamError && err.midStream && err.code === 'upstream_error');
    assert.deepEqual(seen.map((e) => e.type), ['start', 'text']);
  });

  // 401/403: the gateway's own AWS identity was refused; the caller gets a 502, not Bedrock's text.
  for (const [trigger, code, status, retryable] of [
    ['400', 'bad_request', 400, false],
    ['401', 'upstream_error', undefined, true],
    ['403', 'upstream_error', undefined, true],
    ['404', 'model_not_found', 404, false],
    ['429', 'rate_limited', 429, true],
    ['500', 'upstream_error', 500, true],
    ['503', 'upstream_error', 503, true],
  ] as const) {
    test(`error-${trigger}: -> ${code} (chat and chatStream)`, async () => {
      const check = (err: unknown) => {
        assert.ok(err instanceof UpstreamError, String(err));
        assert.equal(err.code, code);
        assert.equal(err.upstreamStatus, status);
        if (status === undefined) {
          assert.equal(err.status, 502);
          assert.doesNotMatch(err.message, /access to the model|security token/);
        }
        assert.equal(err.retryable, retryable);
        assert.equal(err.midStream, false);
        return true;
      };
      await assert.rejects(provider.chat(ask(`Trigger ${trigger}.`), DEPLOYMENT, call()), check);
      await assert.rejects(provider.chatStream(ask(`Trigger ${trigger}.`, { stream: true }), DEPLOYMENT, call()), check);
    });
  }

  test('error-429 carries Retry-After and the Bedrock error type in the message', async () => {
    await assert.rejects(provider.chat(ask('Trigger 429.'), DEPLOYMENT, call()), (err: unknown) => {
      assert.ok(err instanceof UpstreamError);
      assert.equal(err.retryAfterMs, 7000);
      assert.match(err.message, /^Bedrock ThrottlingException: Too many requests/);
      return true;
    });
  });

  test('hang: the call honours its abort signal', async () => {
    const ac = new AbortController();
    const reason = new UpstreamError('upstream_timeout', { message: 'total timeout', retryable: true });
    const pending = provider.chat(ask('Hang.'), DEPLOYMENT, { requestId: 'r', signal: ac.signal });
    setImmediate(() => ac.abort(reason));
    await assert.rejects(pending, (err: unknown) => err === reason);
  });

  test('size bounds: an oversized body or frame is refused, not buffered', async () => {
    const small = createBedrockProvider(cfg, { maxResponseBytes: 64, maxFrameBytes: 64 });
    try {
      await assert.rejects(small.chat(ask('Say hello.'), DEPLOYMENT, call()), (err: unknown) => err instanceof UpstreamError && /larger than 64/.test(err.message));
      await assert.rejects(
        small.chatStream(ask('Count to three.', { stream: true }), DEPLOYMENT, call()),
        (err: unknown) => err instanceof UpstreamError && /frame length \d+ outside/.test(err.message),
      );
    } finally {
      await small.close();
    }
  });

  test('a consumer that stops early releases the stream without stray errors', async () => {
    const it = await provider.chatStream(ask('Go slowly.', { stream: true }), DEPLOYMENT, call());
    for await (const ev of it) {
      assert.equal(ev.type, 'start');
      break;
    }
    // The provider still works afterwards (the pool is not poisoned).
    const r = await provider.chat(ask('Say hello.'), DEPLOYMENT, call());
    assert.equal(r.stopReason, 'end_turn');
  });

  test("hang: the provider's own total timeout ends the call as upstream_timeout", async () => {
    const quick = createBedrockProvider({ ...cfg, timeouts: { totalMs: 50 } });
    try {
      await assert.rejects(quick.chat(ask('Hang.'), DEPLOYMENT, call()), (err: unknown) => err instanceof UpstreamError && err.code === 'upstream_timeout' && err.retryable);
    } finally {
      await quick.close();
    }
  });

  test('embed is refused as a bad request', async () => {
    await assert.rejects(provider.embed({ model: 'm', input: ['x'] }, DEPLOYMENT, call()), (err: { code?: string }) => err.code === 'bad_request');
  });
});

describe('event-stream framing', () => {
  test('frames split across arbitrary chunks reassemble', () => {
    const a = encodeEventFrame('messageStart', { role: 'assistant' });
    const b = encodeEventFrame('messageStop', { stopReason: 'end_turn' });
    const all = Buffer.concat([a, b]);
    const d = new FrameDecoder();
    const got = [];
    for (let i = 0; i < all.length; i += 5) got.push(...d.push(all.subarray(i, i + 5)));
    d.finish();
    assert.deepEqual(got.map((m) => m.headers[':event-type']?.value), ['messageStart', 'messageStop']);
  });

  test('a corrupted byte fails the CRC check', () => {
    const f = Buffer.from(encodeEventFrame('messageStart', { role: 'assistant' }));
    f[f.length - 10] ^= 0xff;
    assert.throws(() => new FrameDecoder().push(f), FrameError);
  });

  test('a frame claiming more than the bound is refused before buffering', () => {
    const f = Buffer.from(encodeEventFrame('messageStart', { role: 'assistant', pad: 'x'.repeat(200) }));
    assert.throws(() => new FrameDecoder({ maxFrameBytes: 100 }).push(f.subarray(0, 8)), /outside/);
  });

  test('finish() reports a partial frame', () => {
    const d = new FrameDecoder();
    d.push(encodeEventFrame('messageStart', { role: 'assistant' }).subarray(0, 20));
    assert.throws(() => d.finish(), /ended inside a frame/);
  });
});

describe('credential cache', () => {
  test('resolves lazily, reuses until near expiry, then refreshes', async () => {
    let calls = 0;
    let now = 1_000_000;
    const get = cachedCredentials(async () => {
      calls++;
      return { accessKeyId: `AKID${calls}`, secretAccessKey: 's', expiration: new Date(now + 10 * 60_000) };
    }, () => now);
    assert.equal(calls, 0);
    const [a, b] = await Promise.all([get(), get()]);
    assert.equal(calls, 1);
    assert.equal(a.accessKeyId, b.accessKeyId);
    now += 4 * 60_000;
    assert.equal((await get()).accessKeyId, 'AKID1');
    now += 2 * 60_000; // within the 5-minute refresh margin
    assert.equal((await get()).accessKeyId, 'AKID2');
  });
});

describe('IR -> Converse request', () => {
  test('roles merge, images map, toolChoice variants', async () => {
    const { toConverseRequest } = await import('./to-converse.js');
    const body = toConverseRequest({
      model: 'm',
      system: [],
      stream: false,
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'a' }] },
        { role: 'user', content: [{ type: 'image', mediaType: 'image/jpeg', data: 'AAAA' }] },
        { role: 'assistant', content: [{ type: 'tool_call', id: 't', name: 'f', arguments: '' }] },
        { role: 'tool', content: [{ type: 'tool_result', toolCallId: 't', content: 'boom', isError: true }] },
      ],
      tools: [{ name: 'f', parameters: { type: 'object' } }],
      toolChoice: { name: 'f' },
      responseFormat: { type: 'json_schema', name: 'out', schema: { type: 'object' } },
    });
    assert.deepEqual(body.messages.map((m) => m.role), ['user', 'assistant', 'user']);
    assert.deepEqual(body.messages[0]!.content[1], { image: { format: 'jpeg', source: { bytes: 'AAAA' } } });
    assert.deepEqual(body.messages[1]!.content[0], { toolUse: { toolUseId: 't', name: 'f', input: {} } });
    assert.deepEqual(body.messages[2]!.content[0], { toolResult: { toolUseId: 't', content: [{ text: 'boom' }], status: 'error' } });
    assert.deepEqual(body.toolConfig?.toolChoice, { tool: { name: 'f' } });
    assert.equal(body.outputConfig?.textFormat.structure.jsonSchema.schema, '{"type":"object"}');
    assert.equal(body.inferenceConfig, undefined);

    const none = toConverseRequest({ model: 'm', system: [], stream: false, messages: [{ role: 'user', content: [{ type: 'text', text: 'a' }] }], tools: [{ name: 'f', parameters: {} }], toolChoice: 'none' });
    assert.equal(none.toolConfig, undefined);
    assert.throws(
      () => toConverseRequest({ model: 'm', system: [], stream: false, messages: [{ role: 'user', content: [{ type: 'image', mediaType: 'image/bmp', data: 'AA' }] }] }),
      (err: { param?: string }) => err.param === 'messages[0].content[0]',
    );
  });
});
