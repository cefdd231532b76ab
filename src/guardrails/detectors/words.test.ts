import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AhoCorasick } from './aho-corasick.js';
import { DetectorConfigError } from './config-error.js';
import { createWordsDetector, PROFANITY_WORDS } from './words.js';
import { sharedTokens } from './learned/tokens.js';

describe('AhoCorasick', () => {
  it('finds all (overlapping) occurrences case-insensitively in one pass', () => {
    const ac = new AhoCorasick(['he', 'she', 'his', 'hers']);
    const got: [number, number, number][] = [];
    ac.findAll('uSHErs', (p, s, e) => got.push([p, s, e]));
    assert.deepEqual(got, [[1, 1, 4], [0, 2, 4], [3, 2, 6]]);
  });
  it('handles non-ASCII patterns and case folding', () => {
    const ac = new AhoCorasick(['straße', 'ÉCOLE']);
    const got: number[] = [];
    ac.findAll('Die STRAßE und die école', (p) => got.push(p));
    assert.deepEqual(got, [0, 1]);
  });
});

describe('createWordsDetector', () => {
  const det = createWordsDetector({ words: ['Project Nightingale', 'badword'], managedLists: ['PROFANITY'] });

  it('matches custom words and phrases case-insensitively, whole word, with offsets', () => {
    const text = 'Tell me about project nightingale and BADWORD.';
    const f = det.scan(text, 'INPUT');
    assert.deepEqual(f.map((x) => [x.type, x.match, text.slice(x.start, x.end)]), [
      ['CUSTOM_WORD', 'Project Nightingale', 'project nightingale'],
      ['CUSTOM_WORD', 'badword', 'BADWORD'],
    ]);
  });
  it('does not match inside longer words', () => {
    assert.deepEqual(det.scan('badwords and notbadword', 'INPUT'), []);
    assert.deepEqual(det.scan('a classic assessment of Scunthorpe', 'INPUT'), []);
  });
  it('matches the managed profanity list', () => {
    const f = det.scan('what the fuck', 'INPUT');
    assert.deepEqual(f.map((x) => [x.type, x.match, x.start]), [['PROFANITY', 'fuck', 9]]);
    assert.ok(PROFANITY_WORDS.length > 100);
  });
  it('catches leetspeak, spacing, homoglyph and zero-width obfuscation (without offsets)', () => {
    for (const text of ['b4dw0rd', 'b a d w o r d', 'b\u0430dword', 'bad\u200Bword', 'B-A-D-W-O-R-D', 'sh1t happens']) {
      const f = det.scan(text, 'INPUT');
      assert.equal(f.length, 1, text);
      assert.equal(f[0].start, undefined);
      assert.ok(f[0].type === 'CUSTOM_WORD' || f[0].type === 'PROFANITY', text);
    }
    // '1' read as 'l'
    const hell = createWordsDetector({ words: ['hello'] });
    assert.equal(hell.scan('he11o there', 'INPUT').length, 1);
  });
  it('catches the same obfuscation when a classifier has tokenised the text first', () => {
    // The shared tokens then decide whether the normalisation pass runs (Tokens.hint).
    for (const text of ['b4dw0rd', 'b a d w o r d', 'B-A-D-W-O-R-D', 'sh1t happens', 'what the sh!t', 'a $hit day', 'b.a.d.w.o.r.d']) {
      sharedTokens(text);
      assert.equal(det.scan(text, 'INPUT').length, 1, text);
    }
    const plain = 'Mail jane.doe@example.com about the 12 items, thanks.';
    sharedTokens(plain);
    assert.deepEqual(det.scan(plain, 'INPUT'), []);
  });
  it('reports a word once even if found plain and obfuscated', () => {
    assert.equal(det.scan('badword and b4dw0rd', 'INPUT').length, 1);
  });
  it('validates options with field paths', () => {
    assert.throws(() => createWordsDetector({ words: ['ok', ''] }), (e: unknown) => e instanceof DetectorConfigError && e.path === 'words[1]');
    assert.throws(() => createWordsDetector({ managedLists: ['SLURS' as 'PROFANITY'] }), (e: unknown) => e instanceof DetectorConfigError && e.path === 'managedLists[0]');
  });
  it('an empty configuration finds nothing', () => {
    assert.deepEqual(createWordsDetector().scan('fuck', 'INPUT'), []);
  });
});
