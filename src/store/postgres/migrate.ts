/**
 * Runs pending migrations in one transaction under a transaction-scoped advisory lock, so instances starting
 * together queue up: the first applies, the others then find nothing pending. PostgreSQL DDL is transactional,
 * so a failed migration leaves no half-built schema. The lock key includes the schema so that separate
 * deployments (or test runs) in one database do not wait on each other.
 */
import type pg from 'pg';
import { pendingMigrations, type Migration } from '../migrations.js';

export async function migratePostgres(pool: pg.Pool, list?: readonly Migration[]): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query("SELECT pg_advisory_xact_lock(hashtext('rampart.migrate:' || coalesce(current_schema(), '')))");
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations ' +
        '(version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    for (const m of pendingMigrations(rows.map((r) => r.version), list)) {
      // No parameters: pg uses the simple protocol, which accepts a multi-statement script.
      await client.query(m.postgres);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
