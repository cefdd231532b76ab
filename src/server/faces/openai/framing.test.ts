/**
 * Guards the SSE framing of both faces: an encoded stream cut at any byte offset (TCP does that,
 * including inside a multi-byte character) must reassemble into exactly the same events.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RampartError } from '../../../errors.js';
import type { ChatRequest, ChatResponse } from '../../../translate/ir.js';
import type { ChatFace } from '../types.js';
import { anthropicFace } from '../anthropic/index.js';
import { openaiFace } from './index.js';
import { extras, responseToEvents, SseParser, type SseEvent } from './testing.js';

const res: ChatResponse = {
  id: 'r1', model: 'up',
  content: [
    { type: 'text', text: 'Grüße 👋🏽 — 日本語\nline two "quoted" \\ back' },
    { type: 'tool_call', id: 'call_9', name: 'f', arguments: '{"s":"é\\n€","n":[1,2]}' },
  ],
  stopReason: 'tool_use', usage: { inputTokens: 3, outputTokens: 4 },
};
const req: ChatRequest = { model: 'm', system: [], messages: [], stream: true, includeUsage: true };

function encodeAll(face: ChatFace, cut: boolean): Uint8Array {
  const x = extras({
    guardrails: [{ guardrailId: 'g', version: '1', source: 'OUTPUT', action: 'NONE', findings: [], mode: 'shadow' }],
  });
  const enc = face.streamEncoder(req, x);
  const frames = responseToEvents(res).map((e) => enc.event(e));
  const tail = cut ? enc.error(new RampartError('upstream_timeout')) : enc.end();
  const enc8 = new TextEncoder();
  const bytes = [...frames, tail].filter((f) => f !== undefined).map((f) => (typeof f === 'string' ? enc8.encode(f) : f));
  return Buffer.concat(bytes);
}

function parse(chunks: Uint8Array[]): SseEvent[] {
  const p = new SseParser();
  for (const c of chunks) p.push(c);
  return p.finish();
}

for (const [name, face] of [['openai', openaiFace], ['anthropic', anthropicFace]] as const) {
  describe(`${name} SSE framing`, () => {
    for (const cut of [false, true]) {
      it(`reassembles a ${cut ? 'cut' : 'complete'} stream split at every byte`, () => {
        const all = encodeAll(face, cut);
        const whole = parse([all]);
        assert.ok(whole.length > 10);
        for (const ev of whole) {
          if (ev.data !== '[DONE]') assert.equal(typeof JSON.parse(ev.data), 'object');
          if (name === 'anthropic') assert.equal(ev.event, (JSON.parse(ev.data) as { type: string }).type);
        }
        for (let i = 0; i <= all.length; i++) {
          assert.deepEqual(parse([all.subarray(0, i), all.subarray(i)]), whole, `split at byte ${i}`);
        }
        const bytes: Uint8Array[] = [];
        for (let i = 0; i < all.length; i++) bytes.push(all.subarray(i, i + 1));
        assert.deepEqual(parse(bytes), whole);
      });
    }
  });
}

describe('stream event sequences', () => {
  it('openai: role chunk first, usage last, then [DONE]', () => {
    const evs = parse([encodeAll(openaiFace, false)]);
    assert.equal(evs[evs.length - 1].data, '[DONE]');
    const chunks = evs.slice(0, -1).map((e) => JSON.parse(e.data) as {
      choices: Array<{ delta: Record<string, unknown>; finish_reason: string | null }>; usage?: unknown; rampart_guardrails?: unknown;
    });
    assert.equal(chunks[0].choices[0].delta.role, 'assistant');
    const last = chunks[chunks.length - 1];
    assert.deepEqual(last.choices, []);
    assert.ok(last.usage);
    const fin = chunks[chunks.length - 2];
    assert.equal(fin.choices[0].finish_reason, 'tool_calls');
    assert.ok(Array.isArray(fin.rampart_guardrails));
    assert.equal(chunks.filter((c) => c.choices[0]?.finish_reason).length, 1);
  });

  it('openai: no usage chunk unless include_usage', () => {
    const enc = openaiFace.streamEncoder({ ...req, includeUsage: undefined }, extras());
    const out = responseToEvents(res).map((e) => enc.event(e) ?? '').join('') + enc.end();
    assert.equal(out.includes('"usage"'), false);
  });

  it('anthropic: canonical event order', () => {
    const types = parse([encodeAll(anthropicFace, false)]).map((e) => e.event);
    const squeezed = types.filter((t, i) => t !== types[i - 1]);
    assert.deepEqual(squeezed, [
      'message_start', 'content_block_start', 'content_block_delta', 'content_block_stop',
      'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop',
    ]);
  });

  it('anthropic: closes blocks a producer left open before message_delta', () => {
    const enc = anthropicFace.streamEncoder(req, extras());
    const out = [enc.event({ type: 'start', id: 'a', model: 'x' }), enc.event({ type: 'text', index: 3, text: 'hi' }), enc.end()].join('');
    const evs = parse([new TextEncoder().encode(out)]);
    assert.deepEqual(evs.map((e) => e.event), ['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
    assert.equal((JSON.parse(evs[1].data) as { index: number }).index, 0, 'block indices are renumbered from 0');
    assert.equal((JSON.parse(evs[4].data) as { delta: { stop_reason: string } }).delta.stop_reason, 'end_turn');
  });
});
