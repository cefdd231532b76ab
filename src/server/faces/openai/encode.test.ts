import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RampartError } from '../../../errors.js';
import type { ChatRequest, ChatResponse, StopReason } from '../../../translate/ir.js';
import { openaiFace, vectorToBase64 } from './index.js';
import { extras } from './testing.js';

const req: ChatRequest = { model: 'asked', system: [], messages: [], stream: false };
interface Completion {
  id: string;
  model: string;
  choices: Array<{ finish_reason: string; message: { content: string | null } }>;
  error: { type: string };
}
const body = (a: { body: string | Uint8Array }) => JSON.parse(String(a.body)) as Completion;

describe('openai encoders', () => {
  const cases: Array<[StopReason, string]> = [
    ['end_turn', 'stop'], ['stop_sequence', 'stop'], ['max_tokens', 'length'], ['tool_use', 'tool_calls'],
    ['content_filter', 'content_filter'], ['guardrail_intervened', 'content_filter'],
  ];
  for (const [reason, finish] of cases) {
    it(`maps ${reason} to ${finish}`, () => {
      const res: ChatResponse = { id: 'chatcmpl-1', model: 'u', content: [{ type: 'text', text: 'x' }], stopReason: reason, usage: { inputTokens: 1, outputTokens: 1 } };
      const b = body(openaiFace.encodeChat(res, req, extras()));
      assert.equal(b.choices[0].finish_reason, finish);
      assert.equal(b.id, 'chatcmpl-1');
    });
  }

  it('sends null content for a tool-only turn', () => {
    const res: ChatResponse = { id: '1', model: 'u', content: [{ type: 'tool_call', id: 'c', name: 'f', arguments: '{}' }], stopReason: 'tool_use', usage: { inputTokens: 1, outputTokens: 1 } };
    const a = openaiFace.encodeChat(res, req, extras());
    assert.equal(a.status, 200);
    assert.equal(a.headers['x-request-id'], 'req_test123');
    assert.equal(body(a).choices[0].message.content, null);
    assert.equal(body(a).model, 'asked');
  });

  it('keeps error headers but not framing headers', () => {
    const err = new RampartError('rate_limited', { retryAfter: 1.2, headers: { 'Content-Type': 'text/html', 'x-ratelimit-remaining': '0' } });
    const a = openaiFace.encodeError(err, 'r1');
    assert.deepEqual(a.headers, { 'content-type': 'application/json', 'x-ratelimit-remaining': '0', 'retry-after': '2', 'x-request-id': 'r1' });
    assert.deepEqual(JSON.parse(String(a.body)), { error: { message: 'Rate limit exceeded.', type: 'rate_limit_error', param: null, code: 'rate_limited' } });
  });

  it('keeps the upstream status of a passed-through 4xx', () => {
    const a = openaiFace.encodeError(new RampartError('upstream_error', { status: 422, message: 'bad schema' }), 'r');
    assert.equal(a.status, 422);
    assert.equal(body(a).error.type, 'unprocessable_entity_error');
  });

  it('encodes base64 vectors as little-endian float32', () => {
    const b = Buffer.from(vectorToBase64([1, -2.5]), 'base64');
    assert.equal(b.length, 8);
    assert.equal(b.readFloatLE(0), 1);
    assert.equal(b.readFloatLE(4), -2.5);
  });
});
