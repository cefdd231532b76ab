import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AhoCorasick } from './aho-corasick.js';
import { isAscii, normalizeDetailed } from './normalize.js';

describe('normalizeDetailed', () => {
  it('reports plain text as not de-obfuscated, in any case', () => {
    for (const t of ['Plain TEXT, an e-mail jane@example.com and 42 items.', 'HELLO WORLD', '']) {
      assert.deepEqual(normalizeDetailed(t, { onlyIfDeobfuscated: true }), { text: '', deobfuscated: false, leetOne: false });
      assert.equal(normalizeDetailed(t).deobfuscated, false);
    }
  });
  it('finds leetspeak and spaced letters written in capitals', () => {
    assert.deepEqual(normalizeDetailed('H4CK the PLANET', { onlyIfDeobfuscated: true }), { text: 'hack the planet', deobfuscated: true, leetOne: false });
    assert.equal(normalizeDetailed('I G N O R E all', { onlyIfDeobfuscated: true }).text, 'ignore all');
    assert.deepEqual(normalizeDetailed('K1LL', { onlyIfDeobfuscated: true }), { text: 'kill', deobfuscated: true, leetOne: true });
  });
  it('leaves e-mail addresses and trailing exclamation marks alone', () => {
    assert.equal(normalizeDetailed('mail bob@example.com now!', { onlyIfDeobfuscated: true }).deobfuscated, false);
    assert.equal(normalizeDetailed('mail b0b@example.com and sh!t').text, 'mail b0b@example.com and shit');
  });
});

describe('isAscii', () => {
  it('is true only when every code unit is ASCII', () => {
    assert.ok(isAscii('plain ~ text\n'));
    assert.ok(!isAscii('caf\u00e9'));
    assert.ok(!isAscii('\u007f\u0080'));
    assert.ok(!isAscii('lone \ud800 surrogate'));
    assert.ok(!isAscii('\ud83d\ude00'));
  });
});

describe('AhoCorasick case folding', () => {
  it('matches non-ASCII patterns in either case', () => {
    const hits: [number, number][] = [];
    new AhoCorasick(['vägen', 'straße']).findAll('STORA VÄGEN 5, Hauptstraße', (p, s) => hits.push([p, s]));
    assert.deepEqual(hits, [[0, 6], [1, 20]]);
  });
});
