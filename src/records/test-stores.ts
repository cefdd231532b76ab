/**
 * Real stores for the records tests: a SQLite file in a temp dir, and PostgreSQL (db `test`) in a fresh schema per
 * call, dropped at the end. PostgreSQL unreachable: its cases are skipped with a message, or fail when CI=true.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openStore } from '../store/index.js';
import type { Store } from '../store/types.js';

export function pgBaseUrl(): string {
  const u = new URL(process.env.RAMPART_TEST_PG_URL ?? 'postgres://127.0.0.1:5432/test');
  if (!u.username) u.username = process.env.PGUSER ?? 'postgres';
  return u.toString();
}

let reach: Promise<string | undefined> | undefined;

/** Undefined when PostgreSQL answers, else why not. Throws under CI=true. */
export function pgProblem(): Promise<string | undefined> {
  reach ??= (async () => {
    const c = new pg.Client({ connectionString: pgBaseUrl(), connectionTimeoutMillis: 3000 });
    try {
      await c.connect();
      await c.query('SELECT 1');
      return undefined;
    } catch (err) {
      const why = `PostgreSQL at ${pgBaseUrl()} is unreachable (${(err as Error).message})`;
      if (process.env.CI === 'true') throw new Error(`${why}; CI=true requires it`);
      return why;
    } finally {
      await c.end().catch(() => undefined);
    }
  })();
  return reach;
}

export interface TestStoreKit {
  kind: 'sqlite' | 'postgres';
  /** A new Store object on this kit's database (the same database every call). */
  open(): Promise<Store>;
  /** The connection string or path, for child processes and the CLI. */
  location: string;
  cleanup(): Promise<void>;
}

export function sqliteKit(): TestStoreKit {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-records-'));
  const path = join(dir, 'rampart.db');
  return {
    kind: 'sqlite',
    location: path,
    open: () => openStore({ kind: 'sqlite', path }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

export async function postgresKit(): Promise<TestStoreKit> {
  const schema = `rampart_rec_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: pgBaseUrl() });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const u = new URL(pgBaseUrl());
  u.searchParams.set('options', `-c search_path=${schema}`);
  const url = u.toString();
  return {
    kind: 'postgres',
    location: url,
    open: () => openStore({ kind: 'postgres', url, maxConnections: 4 }),
    cleanup: async () => {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    },
  };
}
