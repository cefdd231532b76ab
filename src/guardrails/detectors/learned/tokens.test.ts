import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashString, Tokens } from './tokens.js';
import { ANY_HINT_ANY_CASE } from '../normalize.js';

test('prefix and suffix hashes are the lower-case hashes of the first and last two or three characters', () => {
  const text = 'Ignore x ÄÖÜber ab Straße h4ck 12 #';
  const t = new Tokens();
  t.tokenize(text);
  assert.equal(t.count, 8);
  for (let k = 0; k < t.count; k++) {
    const w = text.slice(t.start[k], t.end[k]);
    assert.equal(t.lower[k], hashString(w), w);
    assert.equal(t.pre2At(k), hashString(w.slice(0, 2)), w);
    assert.equal(t.pre3[k], hashString(w.slice(0, 3)), w);
    assert.equal(t.suf2At(k), hashString(w.slice(-2)), w);
    assert.equal(t.suf3[k], hashString(w.slice(-3)), w);
  }
  // Carried through the character loop, so every way a word's characters reach it counts: case
  // changes, digits, non-ASCII letters, a word at the very end.
  const more = 'McDonald iPhone ПРИВЕТ мир abc123def ABCD abcd abcde Ab9 x2y2z2 ÉCOLE Übermensch QUARTERLY endword';
  t.tokenize(more);
  for (let k = 0; k < t.count; k++) {
    const w = more.slice(t.start[k], t.end[k]);
    assert.equal(t.pre3[k], hashString(w.slice(0, 3)), w);
    assert.equal(t.suf3[k], hashString(w.slice(-3)), w);
  }
});

test('the obfuscation flag is set in the same pass: leet, $|! between letters, spaced letters, unusual characters', () => {
  const t = new Tokens();
  const flag = (s: string): boolean => {
    t.tokenize(s);
    return t.obfuscated;
  };
  for (const s of ['h4ck', '1gnore', 'sh!t', 'a$$hole', 'i g n o r e', 'ab\u200bc', 'аbc']) assert.ok(flag(s), s);
  for (const s of ['ab!', '!ab', 'a $ b', 'I have 3 cats', 'mp3 and COVID19', 'a b', 'x 1 2 3 y', '“quoted” — fine'])
    assert.equal(flag(s), false, s);
  // The flag is recomputed for each text, not carried over.
  assert.ok(flag('sh!t'));
  assert.equal(flag('plain text'), false);
});

test('the obfuscation hint covers every ASCII text the normaliser would rewrite', () => {
  // A small alphabet makes leet characters next to letters, spaced letters, e-mail-like '@'s and
  // near misses frequent; wherever normalize.ts's hint matches, the tokens' hint must be set.
  const alphabet = 'aZbk0137$!|@. -_*2x,9\n';
  let seed = 11;
  const rand = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const t = new Tokens();
  let matched = 0;
  let spared = 0;
  for (let k = 0; k < 30000; k++) {
    let s = '';
    const len = 1 + rand(14);
    for (let i = 0; i < len; i++) s += alphabet[rand(alphabet.length)];
    t.tokenize(s);
    // The classifiers' check is a subset of the hint (tokenize() stops tracking both at once).
    if (t.obfuscated) assert.ok(t.hint, JSON.stringify(s));
    if (ANY_HINT_ANY_CASE.test(s)) {
      matched++;
      assert.ok(t.hint, JSON.stringify(s));
    } else if (!t.hint) spared++;
  }
  assert.ok(matched > 3000 && spared > 3000, `${matched} matched, ${spared} spared`);
  for (const s of ['I G N O R E', 'h4ck', 'sh!t', '$hit', 'x|y', 'a@b', 'a@b.c.d@e', `x@${'y'.repeat(260)}.com`]) {
    t.tokenize(s);
    assert.equal(t.hint, true, s);
  }
  for (const s of ['Mail jane.doe@example.com today.', 'We handled 1,284 tickets in 2 hours.', 'e-mail me at a.b@c.org']) {
    t.tokenize(s);
    assert.equal(ANY_HINT_ANY_CASE.test(s), false, s);
    assert.equal(t.hint, false, s);
  }
});
