import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PRESIDIO_TO_BEDROCK, scorePii } from './score.js';

describe('scorePii', () => {
  it('maps Presidio names to Bedrock types and credits overlap of the mapped type', () => {
    const gold = [{ type: 'PERSON', start: 0, end: 8 }, { type: 'ZIP_CODE', start: 20, end: 25 }];
    const pred = [{ type: 'NAME', start: 0, end: 4 }, { type: 'ADDRESS', start: 18, end: 22 }];
    const s = scorePii(gold, pred);
    assert.equal(s.tp, 2);
    assert.equal(s.fp, 0);
    assert.equal(s.found, 2);
    assert.equal(s.gold, 2);
    assert.equal(s.f1, 1);
  });
  it('a wrong-type overlap neither finds the gold span nor counts as a false positive', () => {
    const s = scorePii([{ type: 'PHONE_NUMBER', start: 0, end: 10 }], [{ type: 'US_BANK_ACCOUNT_NUMBER', start: 0, end: 10 }]);
    assert.deepEqual([s.tp, s.fp, s.found, s.gold], [0, 0, 0, 1]);
  });
  it('a prediction over an unscored gold span (ORGANIZATION) is neither rewarded nor punished', () => {
    const s = scorePii([{ type: 'ORGANIZATION', start: 0, end: 9 }], [{ type: 'NAME', start: 0, end: 9 }]);
    assert.deepEqual([s.tp, s.fp, s.found, s.gold], [0, 0, 0, 0]);
  });
  it('a prediction overlapping no gold span is a false positive', () => {
    const s = scorePii([{ type: 'EMAIL_ADDRESS', start: 0, end: 5 }], [{ type: 'EMAIL', start: 0, end: 5 }, { type: 'URL', start: 10, end: 20 }]);
    assert.equal(s.tp, 1);
    assert.equal(s.fp, 1);
    assert.equal(s.precision, 0.5);
    assert.equal(s.recall, 1);
    assert.equal(s.perType.URL.fp, 1);
    assert.equal(s.perType.EMAIL.tp, 1);
  });
  it('a prediction covering two gold spans counts once as TP and finds both', () => {
    const gold = [{ type: 'STREET_ADDRESS', start: 0, end: 5 }, { type: 'STREET_ADDRESS', start: 6, end: 15 }];
    const s = scorePii(gold, [{ type: 'ADDRESS', start: 0, end: 15 }]);
    assert.deepEqual([s.tp, s.fp, s.found, s.gold], [1, 0, 2, 2]);
  });
  it('touching spans do not overlap; documents are scored separately', () => {
    const s = scorePii([[{ type: 'US_SSN', start: 0, end: 11 }], []], [[{ type: 'US_SOCIAL_SECURITY_NUMBER', start: 11, end: 15 }], [{ type: 'US_SOCIAL_SECURITY_NUMBER', start: 0, end: 11 }]]);
    assert.deepEqual([s.tp, s.fp, s.found, s.gold], [0, 2, 0, 1]);
    assert.equal(s.f1, 0);
  });
  it('covers the README mapping', () => {
    assert.equal(Object.keys(PRESIDIO_TO_BEDROCK).length, 12);
    assert.equal(PRESIDIO_TO_BEDROCK.DOMAIN_NAME, 'URL');
    assert.equal(PRESIDIO_TO_BEDROCK.GPE, undefined);
  });
  it('refuses mismatched document counts', () => {
    assert.throws(() => scorePii([[], []], [[]]));
  });
});
