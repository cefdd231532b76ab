import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DisjointIntervals } from './intervals.js';

describe('DisjointIntervals', () => {
  it('accepts disjoint and touching intervals and refuses overlaps', () => {
    const set = new DisjointIntervals();
    assert.equal(set.tryAdd(10, 20), true);
    assert.equal(set.tryAdd(20, 25), true); // touching is not overlapping
    assert.equal(set.tryAdd(0, 10), true);
    assert.equal(set.tryAdd(15, 16), false); // inside
    assert.equal(set.tryAdd(5, 12), false); // straddles a start
    assert.equal(set.tryAdd(24, 30), false); // straddles an end
    assert.equal(set.tryAdd(0, 100), false); // covers several
    assert.equal(set.tryAdd(30, 31), true);
  });
});
