import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ChatRequest } from '../../translate/ir.js';
import { checkStreamOrder, collect, providerConformance, WEATHER_TOOL } from '../conformance.js';
import type { Deployment } from '../types.js';
import { createDemoProvider, DEMO_LABEL } from './index.js';

const dep: Deployment = { id: 'demo/echo', provider: 'demo', upstreamModel: 'echo-1', weight: 1 };
const call = () => ({ requestId: 'req_1', signal: new AbortController().signal });
const ask = (text: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
  model: 'm',
  system: [],
  messages: [{ role: 'user', content: [{ type: 'text', text }] }],
  stream: false,
  ...extra,
});

providerConformance({ name: 'demo', deployment: dep, makeProvider: () => createDemoProvider({ name: 'demo' }) });

describe('demo provider', () => {
  const p = createDemoProvider({ name: 'demo' });

  test('labelled, deterministic echo with word-count usage', async () => {
    const a = await p.chat(ask('Hello   there,\nworld'), dep, call());
    const b = await p.chat(ask('Hello   there,\nworld'), dep, call());
    assert.deepEqual(a, b);
    assert.deepEqual(a.content, [{ type: 'text', text: `${DEMO_LABEL} You said: "Hello there, world"` }]);
    assert.deepEqual(a.usage, { inputTokens: 3, outputTokens: 7 });
    assert.equal(a.model, 'echo-1');
  });

  test('maxTokens truncates but keeps the label', async () => {
    const r = await p.chat(ask('one two three four five', { maxTokens: 1 }), dep, call());
    assert.equal(r.stopReason, 'max_tokens');
    assert.ok(r.content[0].type === 'text' && r.content[0].text.startsWith(DEMO_LABEL));
  });

  test('"use tool" calls the first tool with {}; the tool result is echoed back', async () => {
    const r = await p.chat(ask('please use tool now', { tools: [WEATHER_TOOL] }), dep, call());
    assert.equal(r.stopReason, 'tool_use');
    const c = r.content[0];
    assert.ok(c.type === 'tool_call');
    assert.equal(c.name, 'get_weather');
    assert.equal(c.arguments, '{}');
    const events = await collect(await p.chatStream(ask('use tool', { tools: [WEATHER_TOOL], stream: true }), dep, call()));
    checkStreamOrder(events);
    assert.ok(events.some((e) => e.type === 'tool_call_start' && e.name === 'get_weather'));
    const r2 = await p.chat(
      ask('use tool', {
        tools: [WEATHER_TOOL],
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'use tool' }] },
          { role: 'assistant', content: [c] },
          { role: 'tool', content: [{ type: 'tool_result', toolCallId: c.id, content: 'sunny' }] },
        ],
      }),
      dep,
      call(),
    );
    assert.deepEqual(r2.content, [{ type: 'text', text: `${DEMO_LABEL} Tool result received: "sunny"` }]);
    const noTools = await p.chat(ask('use tool'), dep, call());
    assert.equal(noTools.stopReason, 'end_turn');
  });

  test('abort mid-stream stops the stream', async () => {
    const ac = new AbortController();
    const s = await p.chatStream(ask('a b c d e f g h i j k l m n o p', { stream: true }), dep, { requestId: 'r', signal: ac.signal });
    let n = 0;
    await assert.rejects(
      (async () => {
        for await (const e of s) {
          n++;
          if (e.type === 'text') ac.abort();
        }
      })(),
    );
    assert.ok(n <= 3);
  });

  test('embeddings: deterministic unit vectors, 16 dims or `dimensions`', async () => {
    const r = await p.embed({ model: 'e', input: ['alpha', 'beta', 'alpha'] }, dep, call());
    assert.equal(r.vectors[0].length, 16);
    assert.deepEqual(r.vectors[0], r.vectors[2]);
    assert.notDeepEqual(r.vectors[0], r.vectors[1]);
    for (const v of r.vectors) assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-9);
    assert.equal(r.usage.inputTokens, 3);
    const big = await p.embed({ model: 'e', input: ['x'], dimensions: 100 }, dep, call());
    assert.equal(big.vectors[0].length, 100);
    await assert.rejects(p.embed({ model: 'e', input: ['x'], dimensions: 0 }, dep, call()));
  });
});
