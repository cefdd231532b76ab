import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eachMatchAt, groupedRun, isUpper, ScanInput, type Anchor } from './scan.js';

/** Matches of a global regex over the whole text: what eachMatchAt must reproduce. */
function globalScan(re: RegExp, text: string): [number, string][] {
  const g = new RegExp(re.source, re.flags.replace('y', '') + 'g');
  return [...text.matchAll(g)].map((m) => [m.index, m[0]]);
}

function anchored(re: RegExp, text: string, anchor: Anchor): [number, string][] {
  const out: [number, string][] = [];
  eachMatchAt(new ScanInput(text), re, anchor, (m) => out.push([m.index, m[0]]));
  return out;
}

describe('ScanInput.digitRuns', () => {
  it('lists each run of ASCII digits as start, end', () => {
    assert.deepEqual(new ScanInput('a1 22,333x٤4').digitRuns, [1, 2, 3, 5, 6, 9, 11, 12]);
    assert.deepEqual(new ScanInput('no digits').digitRuns, []);
    assert.equal(new ScanInput('12 345').digits, 5);
  });
});

describe('eachMatchAt', () => {
  it('finds what a global scan finds for a pattern that starts at a digit run', () => {
    const re = /(?<![\d-])\d{3}([- ]?)\d{2}\1\d{4}(?![\d]|-\d)/y;
    const text = 'ssn 123-45-6789, 123456789 and 12-34-5678 or 1234-56-7890; 987 65 4321.';
    const expected = globalScan(re, text);
    assert.equal(expected.length, 3);
    assert.deepEqual(anchored(re, text, { offsets: [0], minRun: 3, maxRun: 9 }), expected);
    assert.deepEqual(anchored(re, text, { offsets: [0], minRun: 3, maxRun: 9, accept: groupedRun(3, '- ', 9) }), expected);
  });

  it('tries letters before the run at every offset, in text order, when the lead fits', () => {
    // Two offsets per run, and runs close enough for their candidates to interleave.
    const re = /\b[A-Z]{2} ?\d{2}\b/y;
    const text = 'AB 12 CD34 x EF56 GH 78 ab 9';
    const expected = globalScan(re, text);
    assert.deepEqual(expected.map(([, m]) => m), ['AB 12', 'CD34', 'EF56', 'GH 78']);
    assert.deepEqual(anchored(re, text, { offsets: [2, 3], minRun: 2, maxRun: 2, lead: isUpper }), expected);
    // Without the right offsets the matches that start before their run are missed.
    assert.deepEqual(anchored(re, text, { offsets: [2], minRun: 2, maxRun: 2, lead: isUpper }).map(([, m]) => m), ['CD34', 'EF56']);
  });

  it('skips candidates inside the previous match, as a global scan does', () => {
    const re = /\d+(?: \d+)*/y;
    const text = '1 2 3 x 45 6';
    assert.deepEqual(anchored(re, text, { offsets: [0], minRun: 1, maxRun: 9 }), globalScan(re, text));
    assert.deepEqual(anchored(re, text, { offsets: [0], minRun: 1, maxRun: 9 }).map(([, m]) => m), ['1 2 3', '45 6']);
  });

  it('drops runs outside the length range or rejected by accept before the regex runs', () => {
    class Counting extends RegExp {
      calls = 0;
      override exec(s: string): RegExpExecArray | null {
        this.calls++;
        return super.exec(s);
      }
    }
    const counting = new Counting('\\d+', 'y');
    const text = '1 22 333 4444 55555';
    const got = anchored(counting, text, { offsets: [0], minRun: 2, maxRun: 4, accept: (t, runs, r) => t[runs[r + 1]] === ' ' });
    assert.deepEqual(got.map(([, m]) => m), ['22', '333', '4444']);
    assert.equal(counting.calls, 3);
  });
});
