import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MIGRATIONS, checkMigrations, pendingMigrations, type Migration } from './migrations.js';

const m = (version: number): Migration => ({ version, name: `m${version}`, sqlite: '', postgres: '' });

describe('migrations', () => {
  it('the shipped list is numbered 1.. without gaps and has SQL for both dialects', () => {
    checkMigrations();
    for (const mig of MIGRATIONS) {
      assert.ok(mig.sqlite.trim().length > 0, `v${mig.version} sqlite`);
      assert.ok(mig.postgres.trim().length > 0, `v${mig.version} postgres`);
    }
  });

  it('rejects gaps and reordering', () => {
    assert.throws(() => checkMigrations([m(1), m(3)]), /expected 2/);
    assert.throws(() => checkMigrations([m(2), m(1)]), /expected 1/);
  });

  it('returns only pending migrations, in order', () => {
    const list = [m(1), m(2), m(3)];
    assert.deepEqual(pendingMigrations([], list).map((x) => x.version), [1, 2, 3]);
    assert.deepEqual(pendingMigrations([1, 3], list).map((x) => x.version), [2]);
    assert.deepEqual(pendingMigrations([1, 2, 3], list), []);
  });

  it('fails closed when the database is newer than the build', () => {
    assert.throws(() => pendingMigrations([1, 2, 3, 4], [m(1), m(2), m(3)]), /schema version 4/);
  });
});
