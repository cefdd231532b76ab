import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Vault, applyMasks, createRestorer, mergeSpans } from './anonymize.js';

test('applyMasks replaces spans with {TYPE}; overlapping spans merge so nothing is left half visible', () => {
  const text = 'call 555-123-4567 or mail a@b.io';
  const spans = mergeSpans([
    { start: 26, end: 32, type: 'EMAIL' },
    { start: 5, end: 17, type: 'PHONE' },
    { start: 9, end: 20, type: 'US_BANK_ACCOUNT_NUMBER' },
  ]);
  assert.deepEqual(spans, [{ start: 5, end: 20, type: 'PHONE' }, { start: 26, end: 32, type: 'EMAIL' }]);
  assert.equal(applyMasks(text, spans), 'call {PHONE} mail {EMAIL}');
});

test('vault: one placeholder per distinct value and type, numbered per request', () => {
  const v = new Vault();
  assert.equal(v.placeholder('EMAIL', 'a@x.io'), '{EMAIL_1}');
  assert.equal(v.placeholder('EMAIL', 'b@x.io'), '{EMAIL_2}');
  assert.equal(v.placeholder('EMAIL', 'a@x.io'), '{EMAIL_1}');
  assert.equal(v.placeholder('my-regex', '42'), '{MY_REGEX_1}');
  assert.equal(v.restore('{EMAIL_2}, {EMAIL_1}, {EMAIL_9}, {MY_REGEX_1}'), 'b@x.io, a@x.io, {EMAIL_9}, 42');
  assert.equal(new Vault().placeholder('PHONE', '1'), '{PHONE_1}');
});

test('restorer restores placeholders split across chunks, at every split position', () => {
  const v = new Vault();
  v.placeholder('EMAIL', 'alice@example.com');
  v.placeholder('NAME', 'Zoë Ünal');
  v.placeholder('EMAIL', 'bob@example.org');
  const answer = 'Hi 😀 {NAME_1}, I wrote to {EMAIL_1} and {EMAIL_2}; {EMAIL_7} and {braces} stay. {';
  const expected = 'Hi 😀 Zoë Ünal, I wrote to alice@example.com and bob@example.org; {EMAIL_7} and {braces} stay. {';
  for (let i = 0; i <= answer.length; i++) {
    for (let j = i; j <= answer.length; j += 7) {
      const r = createRestorer(v);
      const out = r.push(answer.slice(0, i)) + r.push(answer.slice(i, j)) + r.push(answer.slice(j)) + r.flush();
      assert.equal(out, expected, `split at ${i},${j}`);
    }
  }
  // One character per chunk.
  const r = createRestorer(v);
  let out = '';
  for (const ch of answer) out += r.push(ch);
  assert.equal(out + r.flush(), expected);
});

test('restorer does not hold text back without reason', () => {
  const v = new Vault();
  v.placeholder('EMAIL', 'a@x.io');
  const r = createRestorer(v);
  assert.equal(r.push('plain text '), 'plain text ');
  assert.equal(r.push('then {EMA'), 'then ');
  assert.equal(r.push('IL_1} done'), 'a@x.io done');
});
