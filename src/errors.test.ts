import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ERRORS, RampartError, toRampartError } from './errors.js';

test('docs/errors.md lists exactly the catalog, with the same statuses', () => {
  const doc = readFileSync('docs/errors.md', 'utf8');
  const rows = [...doc.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])] as const);
  const documented = new Map(rows);
  assert.deepEqual([...documented.keys()].sort(), Object.keys(ERRORS).sort());
  for (const [code, def] of Object.entries(ERRORS)) assert.equal(documented.get(code), def.status, code);
});

test('unknown errors become a generic internal error without their message', () => {
  const e = toRampartError(new Error('db password is hunter2'));
  assert.equal(e.code, 'internal');
  assert.equal(e.status, 500);
  assert.doesNotMatch(e.message, /hunter2/);
});

test('RampartError carries param and retryAfter', () => {
  const e = new RampartError('rate_limited', { retryAfter: 3, message: 'slow down' });
  assert.equal(e.status, 429);
  assert.equal(e.retryAfter, 3);
  assert.equal(toRampartError(e), e);
});
