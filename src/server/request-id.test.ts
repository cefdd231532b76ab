import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newRequestId } from './request-id.js';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('request ids are RFC 9562 version 7 UUIDs carrying the time in milliseconds', () => {
  const now = Date.UTC(2026, 10, 29, 12, 0, 0, 123);
  const id = newRequestId(now);
  assert.match(id, V7);
  assert.equal(parseInt(id.slice(0, 8) + id.slice(9, 13), 16), now);
});

test('ids made in a later millisecond sort after earlier ones; ids are unique', () => {
  const ids = Array.from({ length: 2000 }, (_, i) => newRequestId(1_700_000_000_000 + Math.floor(i / 10)));
  for (let i = 10; i < ids.length; i++) {
    if (i % 10 === 0) assert.ok(ids[i - 1] < ids[i], `${ids[i - 1]} < ${ids[i]}`);
  }
  assert.equal(new Set(ids).size, ids.length);
  assert.equal(new Set(Array.from({ length: 10_000 }, () => newRequestId(0))).size, 10_000);
});

test('the time field is zero-padded for early dates and the id keeps its shape', () => {
  assert.match(newRequestId(1), V7);
  assert.ok(newRequestId(1).startsWith('00000000-0001-7'));
});
