import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadPiiTagger, nameEnd, type TaggedSpan } from './tagger.js';
import { Tokens } from './tokens.js';

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
  assert.equal(nameOf('Contact John Smith Jane.Doe@example.com today.', 'John'), 'John Smith');
  // An everyday word no name list knows does not join ("Please").
  assert.equal(nameOf('Jane Doe Please call back.', 'Jane'), 'Jane Doe');
  const two = 'Jane Doe Anna Smith and Bob met.';
  const names = tag(two).filter((x) => x.type === 'NAME').map((x) => two.slice(x.start, x.end));
  assert.ok(names.includes('Jane Doe') && names.includes('Anna Smith'), names.join('|'));
});

test('nameEnd: where a one-word name span may grow, decided on the tokens alone', () => {
  /** The end of a NAME span that the tagger gave the first word only (no gazetteer bits). */
  const grown = (text: string, labelled: number[] = [1]): string => {
    const t = new Tokens();
    t.tokenize(text);
    const labels = new Int32Array(t.count);
    labelled.forEach((l, i) => (labels[i] = l));
    return text.slice(0, nameEnd(t, labels, t.end[0]));
  };
  assert.equal(grown('Jane Doe called.'), 'Jane Doe');
  assert.equal(grown('Anna Śliwińska and Олег Ёлкин.'), 'Anna Śliwińska');
  assert.equal(grown('Jane Doe Smith Jones'), 'Jane Doe Smith');
  // Not across a comma, a line break or two spaces; not all capitals, digits, a labelled word or an e-mail.
  assert.equal(grown('Jane, Doe can wait.'), 'Jane');
  assert.equal(grown('Jane\nDoe Ltd'), 'Jane');
  assert.equal(grown('Jane  Doe called.'), 'Jane');
  assert.equal(grown('Jane CEO called.'), 'Jane');
  assert.equal(grown('Jane R2D2 called.'), 'Jane');
  assert.equal(grown('Jane Doe Street', [1, 0, 4]), 'Jane Doe');
  assert.equal(grown('Jane Anna Smith', [1, 1, 2]), 'Jane');
  assert.equal(grown('Jane Mary.Jones@corp.com'), 'Jane');
  assert.equal(grown('Jane Doe.'), 'Jane Doe');
});
