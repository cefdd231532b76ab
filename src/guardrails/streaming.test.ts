import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StreamEvent } from '../translate/ir.js';
import { loadGuardrail } from './compile.js';
import { guardStream, type StreamGuardOptions, type StreamGuardResult } from './streaming.js';
import { standInKit } from './testkit.js';
import { Vault } from './anonymize.js';
import type { GuardrailDefinitionInput } from './schema.js';

const base = { name: 'g', blockedInputMessaging: 'Input blocked.', blockedOutputsMessaging: 'Output blocked.' };
const mk = (def: Partial<GuardrailDefinitionInput>) => loadGuardrail({ ...base, ...def }, { id: 'g1', version: '1', kit: standInKit() });

const masking = mk({
  sensitiveInformationPolicyConfig: { piiEntitiesConfig: [{ type: 'EMAIL', action: 'ANONYMIZE' }] },
  contentPolicyConfig: { filtersConfig: [{ type: 'INSULTS', inputStrength: 'HIGH', outputStrength: 'HIGH' }] },
});
const blocking = mk({ sensitiveInformationPolicyConfig: { piiEntitiesConfig: [{ type: 'EMAIL', action: 'BLOCK' }] } });

/** An upstream that records whether the guard closed it early. */
function upstream(chunks: string[], extra: StreamEvent[] = []) {
  const state = { closed: false, pulled: 0 };
  async function* gen(): AsyncGenerator<StreamEvent> {
    try {
      yield { type: 'start', id: 'r1', model: 'm' };
      for (const c of chunks) {
        state.pulled++;
        yield { type: 'text', index: 0, text: c };
      }
      yield { type: 'block_stop', index: 0 };
      yield* extra;
      yield { type: 'stop', stopReason: 'end_turn' };
      yield { type: 'usage', usage: { inputTokens: 1, outputTokens: 2 } };
    } finally {
      state.closed = state.pulled < chunks.length || state.closed;
    }
  }
  return { events: gen(), state };
}

async function run(chunks: string[], opts: Partial<StreamGuardOptions>, extra?: StreamEvent[]) {
  const up = upstream(chunks, extra);
  let results: StreamGuardResult[] = [];
  const out: StreamEvent[] = [];
  for await (const e of guardStream(up.events, {
    guardrails: [masking],
    mode: 'sync',
    windowChars: 32,
    stopReason: 'content_filter',
    blockedMessage: 'Output blocked.',
    onComplete: (r) => (results = r),
    ...opts,
  }))
    out.push(e);
  const text = out.flatMap((e) => (e.type === 'text' ? [e.text] : [])).join('');
  const stop = out.find((e) => e.type === 'stop');
  return { out, text, stop: stop?.type === 'stop' ? stop.stopReason : undefined, results, up: up.state };
}

const ANSWER = 'Contact me at alice@example.com today, or later at bob.smith@corp.example.org if needed. Thanks for waiting!';
const MASKED = 'Contact me at {EMAIL} today, or later at {EMAIL} if needed. Thanks for waiting!';

test('sync: an email split across two chunks is masked at every split position', async () => {
  for (let i = 0; i <= ANSWER.length; i++) {
    const r = await run([ANSWER.slice(0, i), ANSWER.slice(i)], {});
    assert.equal(r.text, MASKED, `split at ${i}`);
    assert.equal(r.stop, 'end_turn');
  }
});

test('sync: one character per chunk, and three-way splits, still mask; events keep their order', async () => {
  const r = await run([...ANSWER], {});
  assert.equal(r.text, MASKED);
  assert.deepEqual(r.out.map((e) => e.type).filter((t, i, a) => t !== a[i - 1]), ['start', 'text', 'block_stop', 'stop', 'usage']);
  assert.equal(r.results[0].outcome, 'ANONYMIZED');
  assert.equal(r.results[0].findings.filter((f) => f.type === 'EMAIL').length, 2);
  for (let i = 0; i < ANSWER.length; i += 3) {
    for (let j = i; j <= ANSWER.length; j += 5) {
      const s = await run([ANSWER.slice(0, i), ANSWER.slice(i, j), ANSWER.slice(j)], { windowChars: 40 });
      assert.equal(s.text, MASKED, `split at ${i},${j}`);
    }
  }
});

test('sync: text is released before the stream ends (bounded hold), held text never exceeds window + step', async () => {
  const long = 'word '.repeat(200);
  const up = upstream([...long]);
  let maxHeld = 0;
  let seen = 0;
  let released = 0;
  const it = guardStream(up.events, { guardrails: [masking], mode: 'sync', windowChars: 32, stopReason: 'content_filter' });
  for await (const e of it) {
    if (e.type === 'text') released += e.text.length;
    seen = up.state.pulled;
    maxHeld = Math.max(maxHeld, seen - released);
  }
  assert.equal(released, long.length);
  assert.ok(maxHeld <= 32 + 16 + 1, `held ${maxHeld}`);
});

test('sync: a blocked answer is cut, the blocked message sent, and the upstream closed', async () => {
  const chunks = ['All good so far. ', 'But you are an id', 'iot and more text follows here', ' and here', ' and here.'];
  const r = await run(chunks, {});
  assert.ok(!r.text.includes('idiot'));
  assert.ok(r.text.endsWith('Output blocked.'));
  assert.equal(r.stop, 'content_filter');
  assert.deepEqual(r.out.slice(-2).map((e) => e.type), ['block_stop', 'stop']);
  assert.equal(r.out.some((e) => e.type === 'usage'), false);
  assert.equal(r.up.closed, true);
  assert.equal(r.results[0].outcome, 'BLOCKED');
});

test('async: text is released at once; a PII entity split at every position still cuts the stream', async () => {
  for (let i = 0; i <= ANSWER.length; i++) {
    const r = await run([ANSWER.slice(0, i), ANSWER.slice(i)], { guardrails: [blocking], mode: 'async', stopReason: 'guardrail_intervened' });
    assert.equal(r.stop, 'guardrail_intervened', `split at ${i}`);
    assert.deepEqual(r.out.slice(-2).map((e) => e.type), ['block_stop', 'stop']);
    assert.equal(r.results[0].outcome, 'BLOCKED');
  }
  // Released immediately: with many chunks the first chunks are out before the cut.
  const words = ANSWER.split(/(?<= )/);
  const r = await run(words, { guardrails: [blocking], mode: 'async', stopReason: 'guardrail_intervened', blockedMessage: undefined });
  assert.ok(r.text.startsWith('Contact me at '));
  assert.equal(r.stop, 'guardrail_intervened');
  assert.equal(r.up.closed, true);
});

test('async: a clean answer passes unchanged with all its events', async () => {
  const r = await run(['Hello ', 'there, ', 'how can I help?'], { mode: 'async' });
  assert.equal(r.text, 'Hello there, how can I help?');
  assert.deepEqual(r.out.map((e) => e.type), ['start', 'text', 'text', 'text', 'block_stop', 'stop', 'usage']);
});

test('shadow guardrails record but never cut or mask', async () => {
  const shadow = mk({ sensitiveInformationPolicyConfig: { piiEntitiesConfig: [{ type: 'EMAIL', action: 'BLOCK' }] }, rampart: { mode: 'shadow' } });
  const r = await run([ANSWER], { guardrails: [shadow] });
  assert.equal(r.text, ANSWER);
  assert.equal(r.stop, 'end_turn');
  assert.equal(r.results[0].outcome, 'BLOCKED');
});

test('reversible placeholders are restored in the stream after guarding, split anywhere', async () => {
  const v = new Vault();
  v.placeholder('EMAIL', 'alice@example.com');
  const answer = 'I will write to {EMAIL_1} right away, promise.';
  for (let i = 0; i <= answer.length; i++) {
    const r = await run([answer.slice(0, i), answer.slice(i)], { vault: v });
    assert.equal(r.text, 'I will write to alice@example.com right away, promise.', `split at ${i}`);
  }
});

test('text held in sync mode is released before a following tool call', async () => {
  const extra: StreamEvent[] = [
    { type: 'tool_call_start', index: 1, id: 't1', name: 'lookup' },
    { type: 'tool_call_delta', index: 1, arguments: '{"q":1}' },
    { type: 'block_stop', index: 1 },
  ];
  const r = await run(['short text'], {}, extra);
  const types = r.out.map((e) => e.type);
  assert.deepEqual(types, ['start', 'text', 'block_stop', 'tool_call_start', 'tool_call_delta', 'block_stop', 'stop', 'usage']);
});

test('JSON schema checks run on the whole answer, not on stream windows', async () => {
  const g = mk({ rampart: { outputHandling: { jsonSchema: { type: 'object', required: ['answer'] } } } });
  const good = JSON.stringify({ answer: 'x'.repeat(120), note: 'y'.repeat(80) });
  const chunks = good.match(/.{1,7}/gs)!;
  for (const mode of ['sync', 'async'] as const) {
    const ok = await run(chunks, { guardrails: [g], mode });
    assert.equal(ok.text, good, mode);
    assert.equal(ok.stop, 'end_turn', mode);
    const bad = await run(JSON.stringify({ other: 'z'.repeat(200) }).match(/.{1,7}/gs)!, { guardrails: [g], mode, stopReason: 'guardrail_intervened' });
    assert.equal(bad.stop, 'guardrail_intervened', mode);
    assert.equal(bad.results[0].findings[0].type, 'JSON_SCHEMA_MISMATCH');
  }
  assert.equal(g.evaluate(['not json'], 'OUTPUT').outcome, 'BLOCKED');
  assert.equal(g.evaluate([good], 'OUTPUT').action, 'NONE');
  assert.equal(g.evaluate(['not json'], 'INPUT').action, 'NONE');
});
