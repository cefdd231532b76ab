import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseLabel, parseLabelled, parsePii } from './dataset.js';
import { binaryMetrics, percentile } from './metrics.js';
import { evalClassifier, evalPii } from './run.js';

test('labels: 0/1, booleans and toxicity strings; unknown labels are errors', () => {
  assert.equal(parseLabel(1, 'x'), true);
  assert.equal(parseLabel(0, 'x'), false);
  assert.equal(parseLabel('hate', 'x'), true);
  assert.equal(parseLabel('offensive', 'x'), true);
  assert.equal(parseLabel('neither', 'x'), false);
  assert.equal(parseLabel('1', 'x'), true);
  assert.throws(() => parseLabel('maybe', 'f:3'), /f:3: unknown label/);
  assert.throws(() => parseLabel(undefined, 'f:3'), /unknown label/);
});

test('dataset parsing reports the bad line', () => {
  const rows = parseLabelled('{"id":"a","text":"x","label":1,"source":"s"}\n\n{"id":"b","text":"y","label":"neither"}\n', 'f');
  assert.deepEqual(rows.map((r) => [r.id, r.label]), [['a', true], ['b', false]]);
  assert.throws(() => parseLabelled('{"id":"a","label":1}\n', 'f'), /f:1: missing string field "text"/);
  assert.throws(() => parseLabelled('{"id":"a","text":"x","label":1}\nnot json\n', 'f'), /f:2: not valid JSON/);
  assert.throws(() => parsePii('{"id":"a","text":"x"}\n', 'f'), /spans/);
  assert.throws(() => parsePii('{"id":"a","text":"x","spans":[{"type":"PERSON"}]}\n', 'f'), /spans\[0\]/);
});

test('binary metrics and percentiles', () => {
  const m = binaryMetrics([true, true, false, false, false], [true, false, true, false, false]);
  assert.deepEqual([m.tp, m.fn, m.fp, m.tn], [1, 1, 1, 2]);
  assert.equal(m.precision, 0.5);
  assert.equal(m.recall, 0.5);
  assert.equal(m.f1, 0.5);
  assert.ok(Math.abs(m.fpr - 1 / 3) < 1e-12);
  assert.deepEqual(binaryMetrics([], []), { tp: 0, fp: 0, tn: 0, fn: 0, n: 0, precision: 0, recall: 0, f1: 0, fpr: 0 });
  assert.equal(percentile([5, 1, 3, 2, 4], 50), 3);
  assert.equal(percentile([5, 1, 3, 2, 4], 99), 5);
  assert.equal(percentile([], 50), 0);
});

test('evalClassifier and evalPii use the targets and emit one prediction per row', () => {
  const rows = parseLabelled('{"id":"1","text":"bad","label":1}\n{"id":"2","text":"good","label":0}\n');
  const preds: object[] = [];
  const r = evalClassifier(rows, { kind: 'classifier', run: (t) => ({ flagged: t === 'bad', score: t === 'bad' ? 0.9 : 0.1 }) }, { onPrediction: (l) => preds.push(l) });
  assert.equal(r.f1, 1);
  assert.equal(r.fpr, 0);
  assert.deepEqual(preds, [{ id: '1', flagged: true, score: 0.9 }, { id: '2', flagged: false, score: 0.1 }]);

  const pii = parsePii('{"id":"p","text":"Hi Ann Lee","spans":[{"type":"PERSON","start":3,"end":10}]}\n{"id":"q","text":"nothing","spans":[]}\n');
  const res = evalPii(pii, { kind: 'spans', run: (t) => (t.startsWith('Hi') ? [{ type: 'NAME', start: 3, end: 6 }] : [{ type: 'NAME', start: 0, end: 3 }]) });
  assert.equal(res.recall, 1);
  assert.equal(res.precision, 0.5);
  assert.equal(res.fpr, 1);
  assert.ok(res.per_type?.NAME);
});
