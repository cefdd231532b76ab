import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RampartError } from '../../../errors.js';
import { FrameDecoder, headerValue, bodyText } from '../../../providers/bedrock/eventstream.js';
import { decodeBedrockChat } from './decode.js';
import { bedrockErrorType, encodeBedrockError } from './errors.js';
import { guardrailTrace } from './encode.js';
import { BedrockStreamEncoder } from './stream.js';
import { UpstreamError } from '../../../providers/types.js';

const M = { modelFromPath: 'haiku' };
const user = (...content: unknown[]) => ({ messages: [{ role: 'user', content }] });

function badParam(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof RampartError);
    assert.equal(err.code, 'bad_request');
    return err.param;
  }
  assert.fail('expected a bad_request');
}

describe('bedrock decodeChat', () => {
  test('field paths of invalid values', () => {
    assert.equal(badParam(() => decodeBedrockChat(user({ text: 'a' }, { toolResult: { toolUseId: 5, content: [] } }), M)), 'messages[0].content[1].toolResult.toolUseId');
    assert.equal(badParam(() => decodeBedrockChat(user({ text: 'a', image: {} }), M)), 'messages[0].content[0]');
    assert.equal(badParam(() => decodeBedrockChat(user({ document: { name: 'd' } }), M)), 'messages[0].content[0].document');
    assert.equal(badParam(() => decodeBedrockChat({ messages: [{ role: 'system', content: [{ text: 'a' }] }] }, M)), 'messages[0].role');
    assert.equal(badParam(() => decodeBedrockChat({ ...user({ text: 'a' }), inferenceConfig: { temperature: 1.5 } }, M)), 'inferenceConfig.temperature');
    assert.equal(badParam(() => decodeBedrockChat({ ...user({ text: 'a' }), toolConfig: { tools: [{ toolSpec: { name: 'x', inputSchema: {} } }] } }, M)), 'toolConfig.tools[0].toolSpec.inputSchema.json');
    assert.equal(badParam(() => decodeBedrockChat(user({ text: 'a' }), {})), 'modelId');
    assert.equal(badParam(() => decodeBedrockChat({ messages: [{ role: 'user', content: [{ toolUse: { toolUseId: 't', name: 'n', input: {} } }] }] }, M)), 'messages[0].content[0].toolUse');
  });

  test('images, guard content, cache points and json output config', () => {
    const req = decodeBedrockChat(
      {
        system: [{ text: 'sys' }, { cachePoint: { type: 'default' } }, { guardContent: { text: { text: 'guarded sys' } } }],
        messages: [{ role: 'user', content: [{ image: { format: 'png', source: { bytes: 'iVBORw0KGgo=' } } }, { cachePoint: { type: 'default' } }, { text: 'what is it?' }] }],
        outputConfig: { textFormat: { type: 'json_schema', structure: { jsonSchema: { schema: '{"type":"object"}', name: 'thing' } } } },
        guardrailConfig: { guardrailIdentifier: 'ignored', guardrailVersion: '1' },
      },
      { modelFromPath: 'haiku', stream: true },
    );
    assert.deepEqual(req.system, ['sys', 'guarded sys']);
    // Which system prompts the client asked the guardrail to assess.
    assert.deepEqual(req.guardedSystem, [1]);
    const turn = decodeBedrockChat({ messages: [{ role: 'assistant', content: [{ text: 'a' }, { guardContent: { text: { text: 'b' } } }] }] }, M);
    assert.deepEqual(turn.messages[0].content, [{ type: 'text', text: 'a' }, { type: 'text', text: 'b', guard: true }]);
    assert.equal(decodeBedrockChat(user({ text: 'a' }), M).guardedSystem, undefined);
    assert.deepEqual(req.messages, [
      { role: 'user', content: [{ type: 'image', mediaType: 'image/png', data: 'iVBORw0KGgo=' }, { type: 'text', text: 'what is it?' }] },
    ]);
    assert.deepEqual(req.responseFormat, { type: 'json_schema', name: 'thing', schema: { type: 'object' } });
    assert.equal(req.stream, true);
    assert.equal('maxTokens' in req, false);
  });

  test('toolChoice.tool must name a declared tool', () => {
    const body = { ...user({ text: 'a' }), toolConfig: { tools: [{ toolSpec: { name: 'a', inputSchema: { json: {} } } }], toolChoice: { tool: { name: 'b' } } } };
    assert.equal(badParam(() => decodeBedrockChat(body, M)), 'toolConfig.toolChoice.tool.name');
  });
});

describe('bedrock errors and stream frames', () => {
  test('error types by code and by passed-through status', () => {
    assert.equal(bedrockErrorType(new RampartError('unauthorized')), 'UnrecognizedClientException');
    assert.equal(bedrockErrorType(new RampartError('upstream_timeout')), 'ModelTimeoutException');
    assert.equal(bedrockErrorType(new UpstreamError('bad_request', { message: 'x', upstreamStatus: 403, retryable: false })), 'AccessDeniedException');
    const a = encodeBedrockError(new RampartError('internal', { cause: new Error('db password wrong') }), 'rid-9');
    assert.equal(a.status, 500);
    assert.equal(a.headers['x-amzn-errortype'], 'InternalServerException');
    assert.equal(a.headers['x-amzn-requestid'], 'rid-9');
    assert.deepEqual(JSON.parse(String(a.body)), { message: 'Internal error. Request id: rid-9.' });
  });

  test('guardrailTrace is absent when nothing acted, Bedrock-shaped when something did', () => {
    const base = { version: '1', findings: [], mode: 'enforce' as const };
    assert.equal(guardrailTrace([{ ...base, guardrailId: 'g', source: 'INPUT', action: 'NONE' }]), undefined);
    const t = guardrailTrace([
      { ...base, guardrailId: 'g', source: 'INPUT', action: 'NONE', assessment: { a: 1 } },
      { ...base, guardrailId: 'g', source: 'OUTPUT', action: 'ANONYMIZED', assessment: { b: 2 } },
    ]);
    assert.deepEqual(t, { inputAssessment: { g: { a: 1 } }, outputAssessments: { g: [{ b: 2 }] }, actionReason: 'Guardrail masked.' });
  });

  test('end() sends a metadata event only when no usage came', () => {
    const enc = new BedrockStreamEncoder({ model: 'm', system: [], messages: [], stream: true }, { requestId: 'r', guardrails: [], latencyMs: () => 1 });
    const frame = enc.end();
    assert.ok(frame);
    const [msg] = new FrameDecoder().push(frame);
    assert.equal(headerValue(msg!, ':event-type'), 'metadata');
    assert.deepEqual(JSON.parse(bodyText(msg!)).usage, { inputTokens: 0, outputTokens: 0, totalTokens: 0 });
    assert.equal(enc.end(), undefined);
  });
});
