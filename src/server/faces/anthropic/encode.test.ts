import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RampartError } from '../../../errors.js';
import type { ChatRequest, ChatResponse, StopReason } from '../../../translate/ir.js';
import { anthropicFace } from './index.js';
import { extras } from '../openai/testing.js';

const req: ChatRequest = { model: 'asked', system: [], messages: [], stream: false, maxTokens: 5 };
interface Message { id: string; model: string; stop_reason: string; content: unknown[] }
const body = (a: { body: string | Uint8Array }) => JSON.parse(String(a.body)) as Message;

describe('anthropic encoders', () => {
  const cases: Array<[StopReason, string]> = [
    ['end_turn', 'end_turn'], ['stop_sequence', 'stop_sequence'], ['max_tokens', 'max_tokens'], ['tool_use', 'tool_use'],
    ['content_filter', 'refusal'], ['guardrail_intervened', 'refusal'],
  ];
  for (const [reason, stop] of cases) {
    it(`maps ${reason} to ${stop}`, () => {
      const res: ChatResponse = { id: 'm1', model: 'u', content: [], stopReason: reason, usage: { inputTokens: 1, outputTokens: 1 } };
      assert.equal(body(anthropicFace.encodeChat(res, req, extras())).stop_reason, stop);
    });
  }

  it('gives broken tool JSON an empty object rather than a malformed message', () => {
    const res: ChatResponse = { id: 'm', model: 'u', content: [{ type: 'tool_call', id: 't', name: 'f', arguments: '{"a":' }], stopReason: 'tool_use', usage: { inputTokens: 1, outputTokens: 1 } };
    const b = body(anthropicFace.encodeChat(res, req, extras()));
    assert.deepEqual(b.content, [{ type: 'tool_use', id: 't', name: 'f', input: {} }]);
    assert.equal(b.model, 'asked');
    assert.equal(b.id, 'msg_m');
  });

  it('encodes errors with request-id', () => {
    const a = anthropicFace.encodeError(new RampartError('payload_too_large'), 'r9');
    assert.equal(a.status, 413);
    assert.equal(a.headers['request-id'], 'r9');
    assert.deepEqual(JSON.parse(String(a.body)), { type: 'error', error: { type: 'request_too_large', message: 'The request body is too large.' }, request_id: 'r9' });
  });
});
