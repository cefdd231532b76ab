import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadPiiTagger, type TaggedSpan } from './tagger.js';

function found(spans: TaggedSpan[], text: string, type: 'NAME' | 'ADDRESS', needle: string): boolean {
  const start = text.indexOf(needle);
  const end = start + needle.length;
  return spans.some((s) => s.type === type && s.start < end && start < s.end);
}

// Sentences written for this test: not in the training set and not of its templates.
test('tagger finds names in unseen sentences', () => {
  const tag = loadPiiTagger();
  const cases: Array<[string, string]> = [
    ['Yesterday I had coffee with Margaret Thompson near the station.', 'Margaret Thompson'],
    ['Please forward the invoice to Jonas Lindqvist before Friday.', 'Jonas Lindqvist'],
    ['The contract was signed by Dr. Amelia Rodriguez and two witnesses.', 'Amelia Rodriguez'],
  ];
  for (const [text, name] of cases) {
    const spans = tag(text);
    assert.ok(found(spans, text, 'NAME', name), `${name} in ${JSON.stringify(spans)}`);
  }
});

test('tagger finds street addresses in unseen sentences', () => {
  const tag = loadPiiTagger();
  const cases: Array<[string, string]> = [
    ['Ship the parcel to 742 Evergreen Terrace, Springfield, please.', '742 Evergreen Terrace'],
    ['Our new office is at 1600 Pennsylvania Avenue NW, Washington.', '1600 Pennsylvania Avenue'],
  ];
  for (const [text, addr] of cases) {
    const spans = tag(text);
    assert.ok(found(spans, text, 'ADDRESS', addr), `${addr} in ${JSON.stringify(spans)}`);
  }
});

test('tagger spans are well formed, scored in [0, 1], and absent from plain text', () => {
  const tag = loadPiiTagger();
  const text = 'Send it to Karl Weber at 12 Hauptstrasse, Berlin.\nThanks!';
  for (const s of tag(text)) {
    assert.ok(s.start >= 0 && s.start < s.end && s.end <= text.length);
    assert.ok(s.score >= 0 && s.score <= 1);
    assert.ok(s.type === 'NAME' || s.type === 'ADDRESS');
  }
  assert.deepEqual(tag('the weather is nice today and the train was on time.'), []);
  assert.deepEqual(tag(''), []);
});

test('tagger handles long input without error', () => {
  const tag = loadPiiTagger();
  const text = 'Meeting notes from the planning session with Laura Chen. '.repeat(300);
  const spans = tag(text);
  assert.ok(spans.length > 0);
  assert.ok(spans.every((s) => s.end <= text.length));
});

test('a name the tagger ends early takes the capitalised words right after it, and nothing past punctuation', () => {
  const tag = loadPiiTagger();
  const nameOf = (text: string, first: string): string | undefined => {
    const at = text.indexOf(first);
    const s = tag(text).find((x) => x.type === 'NAME' && x.start <= at && at < x.end);
    return s && text.slice(s.start, s.end);
  };
  assert.equal(nameOf('Jane Doe called yesterday.', 'Jane'), 'Jane Doe');
  assert.equal(nameOf('I met Hannah McConnan at the station.', 'Hannah'), 'Hannah McConnan');
  assert.equal(nameOf('The report was written by Peter Miller and Sarah Jones.', 'Sarah'), 'Sarah Jones');
  // Not across a comma, a line break or two spaces; not an all-capital title; not a street word.
  assert.equal(nameOf('Send it to Jane, Doe can wait.', 'Jane'), 'Jane');
  assert.equal(nameOf('Regards,\nJane\nDoe Ltd', 'Jane'), 'Jane');
  assert.equal(nameOf('Jane  Doe called yesterday.', 'Jane'), 'Jane');
  assert.equal(nameOf('Jane CEO called yesterday.', 'Jane'), 'Jane');
  // Capitals of any script; not an everyday word, another entity or the start of an e-mail address.
  assert.equal(nameOf('I met Anna Śliwińska and Олег Ёлкин.', 'Anna'), 'Anna Śliwińska');
  assert.equal(nameOf('Jane Doe Please call back.', 'Jane'), 'Jane Doe');
  assert.equal(nameOf('Contact John Smith Jane.Doe@example.com today.', 'John'), 'John Smith');
  const two = 'Jane Doe Anna Smith and Bob met.';
  const names = tag(two).filter((x) => x.type === 'NAME').map((x) => two.slice(x.start, x.end));
  assert.ok(names.includes('Jane Doe') && names.includes('Anna Smith'), names.join('|'));
});
