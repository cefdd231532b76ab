/**
 * The Anthropic face against the official `@anthropic-ai/sdk` over loopback.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { RampartError, toRampartError, type ErrorCode } from '../../../errors.js';
import type { ChatRequest, ChatResponse } from '../../../translate/ir.js';
import type { GuardrailOutcome } from '../../../pipeline/context.js';
import { anthropicFace, encodeAnthropicModel, encodeAnthropicModelList, wantsAnthropicFormat } from './index.js';
import { extras, responseToEvents, startServer, type Reply, type TestServer } from '../openai/testing.js';

const guardrail: GuardrailOutcome = {
  guardrailId: 'gr-topics', version: '1', source: 'OUTPUT', action: 'INTERVENED', findings: [], mode: 'enforce',
  assessment: { topicPolicy: { topics: [{ name: 'finance', action: 'BLOCKED' }] } },
};
const usage = { inputTokens: 21, outputTokens: 9, cacheReadTokens: 5, cacheWriteTokens: 2 };
const textAnswer: ChatResponse = {
  id: 'xyz1', model: 'upstream', content: [{ type: 'text', text: 'Bonjour, ça va? 🙂' }], stopReason: 'end_turn', usage,
};
const toolAnswer: ChatResponse = {
  id: 'msg_xyz2', model: 'upstream',
  content: [
    { type: 'text', text: 'Checking.' },
    { type: 'tool_call', id: 'toolu_1', name: 'lookup', arguments: '{"q":"rampart","n":2}' },
  ],
  stopReason: 'tool_use', usage,
};

const seen: { chat?: ChatRequest; anthropicFormat?: boolean } = {};

function handle(url: string, body: unknown, anthropicFormat: boolean): Reply {
  const x = extras();
  seen.anthropicFormat = anthropicFormat;
  try {
    if (url.startsWith('/v1/models?') || url === '/v1/models') {
      return encodeAnthropicModelList([{ id: 'claude-a', displayName: 'Claude A', created: 1700000000 }, { id: 'claude-b' }]);
    }
    if (url.startsWith('/v1/models/')) {
      const id = decodeURIComponent(url.slice('/v1/models/'.length));
      if (id !== 'claude-a') throw new RampartError('model_not_found');
      return encodeAnthropicModel({ id, created: 1700000000 });
    }
    const req = anthropicFace.decodeChat(body, {});
    seen.chat = req;
    if (req.model.startsWith('err-')) {
      const code = req.model.slice(4) as ErrorCode;
      throw new RampartError(code, code === 'rate_limited' ? { retryAfter: 3 } : {});
    }
    if (req.model === 'guarded') x.guardrails.push(guardrail);
    const last = req.messages[req.messages.length - 1];
    let res = req.model === 'tools' ? toolAnswer : textAnswer;
    if (last.role === 'tool') {
      const r = last.content[0];
      res = { ...textAnswer, content: [{ type: 'text', text: `result: ${r.type === 'tool_result' ? r.content : '?'}` }] };
    }
    if (!req.stream) return anthropicFace.encodeChat(res, req, x);
    const enc = anthropicFace.streamEncoder(req, x);
    const chunks = responseToEvents(res).map((e) => enc.event(e));
    if (req.model === 'midstream') {
      return { headers: { 'content-type': enc.contentType }, chunks: [...chunks.slice(0, 4), enc.error(new RampartError('upstream_unavailable'))] };
    }
    return { headers: { 'content-type': enc.contentType }, chunks: [...chunks, enc.end()] };
  } catch (err) {
    return anthropicFace.encodeError(toRampartError(err), x.requestId);
  }
}

let server: TestServer;
let client: Anthropic;
before(async () => {
  server = await startServer((r) => handle(r.url, r.body, wantsAnthropicFormat(r.headers)));
  client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: server.baseURL, maxRetries: 0 });
});
after(() => server.close());

describe('anthropic face with the official SDK', () => {
  it('answers a plain message', async () => {
    const res = await client.messages.create({
      model: 'guarded', max_tokens: 64, system: [{ type: 'text', text: 'Sys A' }, { type: 'text', text: 'Sys B' }],
      messages: [{ role: 'user', content: 'salut' }], stop_sequences: ['###'], metadata: { user_id: 'u-7' },
    });
    assert.deepEqual(seen.chat, {
      model: 'guarded', system: ['Sys A', 'Sys B'], messages: [{ role: 'user', content: [{ type: 'text', text: 'salut' }] }],
      maxTokens: 64, stream: false, stop: ['###'], user: 'u-7',
    });
    assert.equal(res.id, 'msg_xyz1');
    assert.equal(res.type, 'message');
    assert.equal(res.model, 'guarded');
    assert.deepEqual(res.content, [{ type: 'text', text: 'Bonjour, ça va? 🙂' }]);
    assert.equal(res.stop_reason, 'end_turn');
    assert.equal(res.usage.input_tokens, 14, 'IR inputTokens (21) includes the 7 cached; Anthropic reports them apart');
    assert.equal(res.usage.output_tokens, 9);
    assert.equal(res.usage.cache_read_input_tokens, 5);
    const g = (res as unknown as { rampart_guardrails: unknown[] }).rampart_guardrails;
    assert.deepEqual(g, [{ guardrailId: 'gr-topics', version: '1', source: 'OUTPUT', action: 'INTERVENED', assessment: guardrail.assessment }]);
  });

  it('round-trips a tool call', async () => {
    const tools: Anthropic.Tool[] = [{ name: 'lookup', description: 'Search', input_schema: { type: 'object', properties: { q: { type: 'string' } } } }];
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'find it' }];
    const first = await client.messages.create({ model: 'tools', max_tokens: 100, messages, tools, tool_choice: { type: 'any' } });
    assert.equal(seen.chat?.toolChoice, 'required');
    assert.equal(first.stop_reason, 'tool_use');
    const use = first.content[1];
    assert.ok(use.type === 'tool_use');
    assert.deepEqual(use.input, { q: 'rampart', n: 2 });
    assert.equal(first.id, 'msg_xyz2', 'an id already prefixed is not prefixed twice');

    messages.push({ role: 'assistant', content: first.content }, {
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: use.id, content: [{ type: 'text', text: '2 hits' }], is_error: false }, { type: 'text', text: 'thanks' }],
    });
    const second = await client.messages.create({ model: 'x', max_tokens: 100, messages, tools });
    assert.deepEqual(seen.chat?.messages.slice(1), [
      { role: 'assistant', content: [{ type: 'text', text: 'Checking.' }, { type: 'tool_call', id: 'toolu_1', name: 'lookup', arguments: '{"q":"rampart","n":2}' }] },
      { role: 'tool', content: [{ type: 'tool_result', toolCallId: 'toolu_1', content: '2 hits', isError: false }] },
      { role: 'user', content: [{ type: 'text', text: 'thanks' }] },
    ]);
    assert.equal(second.stop_reason, 'end_turn');
  });

  it('streams text and a tool call into the same message', async () => {
    const stream = client.messages.stream({ model: 'tools', max_tokens: 100, messages: [{ role: 'user', content: 'go' }] });
    const types: string[] = [];
    let json = '';
    stream.on('streamEvent', (e) => types.push(e.type));
    stream.on('inputJson', (delta) => { json += delta; });
    const msg = await stream.finalMessage();
    assert.equal(msg.id, 'msg_xyz2');
    assert.deepEqual(msg.content, [
      { type: 'text', text: 'Checking.' },
      { type: 'tool_use', id: 'toolu_1', name: 'lookup', input: { q: 'rampart', n: 2 } },
    ]);
    assert.equal(json, '{"q":"rampart","n":2}');
    assert.equal(msg.stop_reason, 'tool_use');
    assert.equal(msg.usage.output_tokens, 9);
    assert.equal(msg.usage.input_tokens, 14, 'message_delta carries the input figure known only at the end');
    assert.equal(types[0], 'message_start');
    assert.deepEqual(types.slice(-2), ['message_delta', 'message_stop']);
    assert.equal(types.filter((t) => t === 'content_block_start').length, 2);
    assert.equal(types.filter((t) => t === 'content_block_stop').length, 2);
  });

  it('streams raw events with create({stream: true})', async () => {
    const stream = await client.messages.create({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }], stream: true });
    let text = '';
    for await (const ev of stream) {
      if (ev.type === 'content_block_delta' && ev.delta.type === 'text_delta') {
        assert.equal(ev.index, 0);
        text += ev.delta.text;
      }
    }
    assert.equal(text, 'Bonjour, ça va? 🙂');
  });

  it('throws on a mid-stream error', async () => {
    const stream = await client.messages.create({ model: 'midstream', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }], stream: true });
    let text = '';
    await assert.rejects(async () => {
      for await (const ev of stream) if (ev.type === 'content_block_delta' && ev.delta.type === 'text_delta') text += ev.delta.text;
    }, (err: unknown) => err instanceof Anthropic.APIError && /overloaded_error/.test(JSON.stringify(err.error)));
    assert.ok(text.length > 0);
  });

  const kinds: Array<[ErrorCode, number, new (...a: never[]) => Error, string]> = [
    ['bad_request', 400, Anthropic.BadRequestError, 'invalid_request_error'],
    ['guardrail_intervened', 400, Anthropic.BadRequestError, 'invalid_request_error'],
    ['unauthorized', 401, Anthropic.AuthenticationError, 'authentication_error'],
    ['forbidden', 403, Anthropic.PermissionDeniedError, 'permission_error'],
    ['not_found', 404, Anthropic.NotFoundError, 'not_found_error'],
    ['payload_too_large', 413, Anthropic.APIError, 'request_too_large'],
    ['rate_limited', 429, Anthropic.RateLimitError, 'rate_limit_error'],
    ['internal', 500, Anthropic.InternalServerError, 'api_error'],
    ['upstream_timeout', 504, Anthropic.InternalServerError, 'api_error'],
    ['upstream_unavailable', 503, Anthropic.InternalServerError, 'overloaded_error'],
  ];
  for (const [code, status, cls, type] of kinds) {
    it(`maps ${code} to ${status} ${type}`, async () => {
      const err = await client.messages.create({ model: `err-${code}`, max_tokens: 5, messages: [{ role: 'user', content: 'x' }] })
        .then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof cls, `got ${String(err)}`);
      assert.ok(err instanceof Anthropic.APIError);
      assert.equal(err.status, status);
      assert.equal(err.requestID, 'req_test123');
      const body = err.error as { type: string; error: { type: string }; request_id: string };
      assert.equal(body.type, 'error');
      assert.equal(body.error.type, type);
      assert.equal(body.request_id, 'req_test123');
      if (code === 'rate_limited') assert.equal(err.headers?.get('retry-after'), '3');
    });
  }

  it('reports a bad request naming the field', async () => {
    const err = await client.messages.create({
      model: 'm', max_tokens: 5,
      messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'url', url: 'https://example.com/x.png' } }] }],
    }).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof Anthropic.BadRequestError);
    assert.match(err.message, /messages\[0\]\.content\[0\]\.source\.type/);
    assert.match(err.message, /not fetched/);
  });

  it('lists and retrieves models in the Anthropic format', async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(`${m.id}/${m.display_name}/${m.created_at}`);
    assert.equal(seen.anthropicFormat, true);
    assert.deepEqual(ids, ['claude-a/Claude A/2023-11-14T22:13:20.000Z', 'claude-b/claude-b/1970-01-01T00:00:00.000Z']);
    const one = await client.models.retrieve('claude-a');
    assert.equal(one.type, 'model');
    await assert.rejects(client.models.retrieve('nope'), Anthropic.NotFoundError);
  });
});
