/**
 * The OpenAI face against the official `openai` SDK over loopback: whatever the SDK sends must
 * decode, and whatever the face encodes must parse in the SDK into the same answer.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { RampartError, toRampartError, type ErrorCode } from '../../../errors.js';
import type { ChatRequest, ChatResponse, EmbeddingRequest } from '../../../translate/ir.js';
import type { GuardrailOutcome } from '../../../pipeline/context.js';
import { encodeModel, encodeModelList, openaiFace } from './index.js';
import { extras, responseToEvents, startServer, type Reply, type TestServer } from './testing.js';

const guardrail: GuardrailOutcome = {
  guardrailId: 'gr-pii', version: '3', source: 'INPUT', action: 'ANONYMIZED', findings: [], mode: 'enforce',
  assessment: { sensitiveInformationPolicy: { piiEntities: [{ type: 'EMAIL', action: 'ANONYMIZED' }] } },
};

const usage = { inputTokens: 12, outputTokens: 7, cacheReadTokens: 4 };
const textAnswer: ChatResponse = {
  id: 'abc123', model: 'upstream-model-v2', content: [{ type: 'text', text: 'Hello there, ünïcödé 👋!' }],
  stopReason: 'end_turn', usage,
};
const toolAnswer: ChatResponse = {
  id: 'abc124', model: 'upstream-model-v2',
  content: [
    { type: 'text', text: 'Let me check.' },
    { type: 'tool_call', id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris","unit":"c"}' },
  ],
  stopReason: 'tool_use', usage,
};
const vectors = [[0.5, -0.25, 1], [0.125, 2, -4]];

const seen: { chat?: ChatRequest; embed?: EmbeddingRequest } = {};

function chatAnswer(req: ChatRequest): ChatResponse {
  const last = req.messages[req.messages.length - 1];
  if (req.model === 'tools' && last.role !== 'tool') return toolAnswer;
  if (last.role === 'tool') {
    const r = last.content[0];
    return { ...textAnswer, content: [{ type: 'text', text: `got ${r.type === 'tool_result' ? r.content : '?'}` }] };
  }
  return textAnswer;
}

function handle(url: string, body: unknown): Reply {
  const x = extras({ guardrails: [] });
  try {
    if (url === '/v1/models') return encodeModelList([{ id: 'gpt-a', created: 1700000000 }, { id: 'claude-b', ownedBy: 'acme' }]);
    if (url.startsWith('/v1/models/')) {
      const id = decodeURIComponent(url.slice('/v1/models/'.length));
      if (id !== 'gpt-a') throw new RampartError('model_not_found', { message: `No model '${id}'.` });
      return encodeModel({ id, created: 1700000000 });
    }
    if (url === '/v1/embeddings') {
      const req = openaiFace.decodeEmbedding(body);
      seen.embed = req;
      return openaiFace.encodeEmbedding({ model: 'up', vectors: vectors.slice(0, req.input.length), usage: { inputTokens: 3 } }, req, x);
    }
    const req = openaiFace.decodeChat(body, {});
    seen.chat = req;
    if (req.model.startsWith('err-')) {
      const code = req.model.slice(4) as ErrorCode;
      throw new RampartError(code, code === 'rate_limited' ? { retryAfter: 7 } : {});
    }
    if (req.model === 'guarded') x.guardrails.push(guardrail);
    const res = chatAnswer(req);
    if (!req.stream) return openaiFace.encodeChat(res, req, x);
    const enc = openaiFace.streamEncoder(req, x);
    const chunks = responseToEvents(res).map((e) => enc.event(e));
    if (req.model === 'midstream') return { headers: { 'content-type': enc.contentType }, chunks: [...chunks.slice(0, 4), enc.error(new RampartError('upstream_error'))] };
    return { headers: { 'content-type': enc.contentType }, chunks: [...chunks, enc.end()] };
  } catch (err) {
    return openaiFace.encodeError(toRampartError(err), x.requestId);
  }
}

let server: TestServer;
let client: OpenAI;
before(async () => {
  server = await startServer((r) => handle(r.url, r.body));
  client = new OpenAI({ apiKey: 'sk-test', baseURL: `${server.baseURL}/v1`, maxRetries: 0 });
});
after(() => server.close());

describe('openai face with the official SDK', () => {
  it('answers a plain chat completion', async () => {
    const res = await client.chat.completions.create({
      model: 'guarded',
      messages: [{ role: 'developer', content: 'Be brief.' }, { role: 'user', content: 'hi' }],
      max_completion_tokens: 50, temperature: 0.2, stop: 'END', user: 'u-42',
    });
    assert.deepEqual(seen.chat?.system, ['Be brief.']);
    assert.equal(seen.chat?.maxTokens, 50);
    assert.deepEqual(seen.chat?.stop, ['END']);
    assert.equal(seen.chat?.user, 'u-42');
    assert.equal(res.id, 'chatcmpl-abc123');
    assert.equal(res.object, 'chat.completion');
    assert.equal(res.model, 'guarded');
    assert.equal(res.choices[0].message.content, textAnswer.content[0].type === 'text' ? textAnswer.content[0].text : '');
    assert.equal(res.choices[0].finish_reason, 'stop');
    assert.deepEqual(res.usage, { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19, prompt_tokens_details: { cached_tokens: 4 } });
    const g = (res as unknown as { rampart_guardrails: unknown[] }).rampart_guardrails;
    assert.deepEqual(g, [{ guardrailId: 'gr-pii', version: '3', source: 'INPUT', action: 'ANONYMIZED', assessment: guardrail.assessment }]);
  });

  it('omits rampart_guardrails when no guardrail ran', async () => {
    const res = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal('rampart_guardrails' in res, false);
  });

  it('round-trips a tool call', async () => {
    const tools = [{
      type: 'function' as const,
      function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
    }];
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }];
    const first = await client.chat.completions.create({ model: 'tools', messages, tools, tool_choice: { type: 'function', function: { name: 'get_weather' } } });
    assert.deepEqual(seen.chat?.toolChoice, { name: 'get_weather' });
    assert.equal(seen.chat?.tools?.[0].name, 'get_weather');
    const msg = first.choices[0].message;
    assert.equal(first.choices[0].finish_reason, 'tool_calls');
    assert.equal(msg.content, 'Let me check.');
    const call = msg.tool_calls?.[0];
    assert.ok(call && call.type === 'function');
    assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris', unit: 'c' });

    messages.push(msg, { role: 'tool', tool_call_id: call.id, content: 'sunny, 21C' });
    const second = await client.chat.completions.create({ model: 'tools', messages, tools });
    assert.equal(second.choices[0].message.content, 'got sunny, 21C');
    const ir = seen.chat?.messages ?? [];
    assert.deepEqual(ir[1], {
      role: 'assistant',
      content: [
        { type: 'text', text: 'Let me check.' },
        { type: 'tool_call', id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris","unit":"c"}' },
      ],
    });
    assert.deepEqual(ir[2], { role: 'tool', content: [{ type: 'tool_result', toolCallId: 'call_1', content: 'sunny, 21C' }] });
  });

  it('streams text, a tool call and usage', async () => {
    const stream = await client.chat.completions.create({
      model: 'tools', messages: [{ role: 'user', content: 'go' }], stream: true, stream_options: { include_usage: true },
    });
    let text = '';
    let args = '';
    let name = '';
    let finish: string | null = null;
    let usageChunk: OpenAI.CompletionUsage | undefined | null;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      assert.equal(chunk.object, 'chat.completion.chunk');
      assert.equal(chunk.model, 'tools');
      if (chunk.choices.length === 0) { usageChunk = chunk.usage; continue; }
      const c = chunk.choices[0];
      text += c.delta.content ?? '';
      for (const t of c.delta.tool_calls ?? []) {
        assert.equal(t.index, 0);
        name += t.function?.name ?? '';
        args += t.function?.arguments ?? '';
      }
      finish = c.finish_reason ?? finish;
    }
    assert.ok(chunks > 5);
    assert.equal(text, 'Let me check.');
    assert.equal(name, 'get_weather');
    assert.equal(args, '{"city":"Paris","unit":"c"}');
    assert.equal(finish, 'tool_calls');
    assert.equal(usageChunk?.total_tokens, 19);
  });

  it('assembles a stream with the SDK helper into the same completion', async () => {
    const runner = client.chat.completions.stream({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    const done = await runner.finalChatCompletion();
    assert.equal(done.choices[0].message.content, 'Hello there, ünïcödé 👋!');
    assert.equal(done.choices[0].finish_reason, 'stop');
    assert.equal(done.id, 'chatcmpl-abc123');
  });

  it('throws on a mid-stream error', async () => {
    const stream = await client.chat.completions.create({ model: 'midstream', messages: [{ role: 'user', content: 'x' }], stream: true });
    let text = '';
    await assert.rejects(async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    }, (err: unknown) => err instanceof OpenAI.APIError && /provider returned an error/.test(err.message));
    assert.ok(text.length > 0, 'content before the error was delivered');
  });

  const kinds: Array<[ErrorCode, number, new (...a: never[]) => Error, string]> = [
    ['bad_request', 400, OpenAI.BadRequestError, 'invalid_request_error'],
    ['guardrail_intervened', 400, OpenAI.BadRequestError, 'invalid_request_error'],
    ['unauthorized', 401, OpenAI.AuthenticationError, 'authentication_error'],
    ['forbidden', 403, OpenAI.PermissionDeniedError, 'permission_error'],
    ['model_not_found', 404, OpenAI.NotFoundError, 'not_found_error'],
    ['payload_too_large', 413, OpenAI.APIError, 'invalid_request_error'],
    ['rate_limited', 429, OpenAI.RateLimitError, 'rate_limit_error'],
    ['internal', 500, OpenAI.InternalServerError, 'server_error'],
    ['upstream_error', 502, OpenAI.InternalServerError, 'server_error'],
    ['upstream_unavailable', 503, OpenAI.InternalServerError, 'server_error'],
  ];
  for (const [code, status, cls, type] of kinds) {
    it(`maps ${code} to ${status} ${cls.name}`, async () => {
      const err = await client.chat.completions.create({ model: `err-${code}`, messages: [{ role: 'user', content: 'x' }] })
        .then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof cls, `got ${String(err)}`);
      assert.ok(err instanceof OpenAI.APIError);
      assert.equal(err.status, status);
      assert.equal(err.code, code);
      assert.equal(err.type, type);
      assert.equal(err.headers?.get('x-request-id'), 'req_test123');
      if (code === 'rate_limited') assert.equal(err.headers?.get('retry-after'), '7');
      if (code === 'internal') assert.match(err.message, /req_test123/);
    });
  }

  it('reports a bad request with its param', async () => {
    const err = await client.chat.completions.create({
      model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] }],
    }).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof OpenAI.BadRequestError);
    assert.equal(err.param, 'messages[0].content[0].image_url.url');
    assert.match(err.message, /not fetched/);
  });

  it('returns embeddings as floats and as base64', async () => {
    // The SDK asks for base64 by default and decodes it itself.
    const b64 = await client.embeddings.create({ model: 'emb', input: ['a', 'b'] });
    assert.equal(seen.embed?.encodingFormat, 'base64');
    assert.deepEqual(b64.data.map((d) => d.embedding), vectors);
    assert.equal(b64.usage.prompt_tokens, 3);
    const floats = await client.embeddings.create({ model: 'emb', input: 'a', encoding_format: 'float', dimensions: 3 });
    assert.equal(seen.embed?.dimensions, 3);
    assert.deepEqual(floats.data, [{ object: 'embedding', index: 0, embedding: vectors[0] }]);
    assert.equal(floats.model, 'emb');
  });

  it('lists and retrieves models', async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(`${m.id}/${m.owned_by}/${m.created}`);
    assert.deepEqual(ids, ['gpt-a/rampart/1700000000', 'claude-b/acme/0']);
    const one = await client.models.retrieve('gpt-a');
    assert.equal(one.object, 'model');
    await assert.rejects(client.models.retrieve('nope'), OpenAI.NotFoundError);
  });
});
