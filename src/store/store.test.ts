/**
 * Runs the conformance suite against SQLite (temp files) and PostgreSQL (a fresh schema per run in db `test`,
 * dropped afterwards), plus the checks specific to one implementation.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import pg from 'pg';
import { storeConformance } from './conformance.js';
import { openStore } from './index.js';
import { MIGRATIONS } from './migrations.js';
import type { PgStore } from './postgres/store.js';
import { openDatabase } from './sqlite/db.js';
import { RESYNC_TOPIC, type Store } from './types.js';

// ---- SQLite ----------------------------------------------------------------------------------------------------

const dir = mkdtempSync(join(tmpdir(), 'rampart-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));
// A nested path checks that missing parent directories are created.
const sqlitePath = join(dir, 'nested', 'data', 'rampart.db');

storeConformance(
  'sqlite',
  () => openStore({ kind: 'sqlite', path: sqlitePath, pollIntervalMs: 20 }),
  async () => {
    const path = join(dir, `fresh-${randomBytes(4).toString('hex')}.db`);
    return () => openStore({ kind: 'sqlite', path, pollIntervalMs: 20, autoMigrate: false });
  },
);

describe('sqlite specifics', () => {
  /** A WAL database file made with SQLite's default 4 KiB pages, as stores created before 16 KiB pages were. */
  const fourKiBPages = (path: string) => {
    const db = new Database(path);
    db.pragma('page_size = 4096');
    db.pragma('journal_mode = WAL');
    db.close();
  };

  it('uses WAL and 16 KiB pages, and records every migration', async () => {
    const path = join(dir, 'specifics.db');
    const store = await openStore({ kind: 'sqlite', path });
    await store.close();
    const db = new Database(path, { readonly: true });
    try {
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(db.pragma('page_size', { simple: true }), 16384);
      const versions = db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
      assert.deepEqual(versions, MIGRATIONS.map((m) => m.version));
    } finally {
      db.close();
    }
  });

  it('checkpoints the WAL every 1.5 MiB, whatever the page size', async () => {
    const fresh = join(dir, 'checkpoint-16k.db');
    const small = join(dir, 'checkpoint-4k.db');
    fourKiBPages(small);
    for (const [path, pages] of [[fresh, 96], [small, 384]] as const) {
      const db = openDatabase(path);
      try {
        assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), pages, path);
      } finally {
        db.close();
      }
    }
  });

  it('opens a database made with another page size as it is', async () => {
    const path = join(dir, 'small-pages.db');
    fourKiBPages(path);
    await (await openStore({ kind: 'sqlite', path })).close();
    const db = new Database(path, { readonly: true });
    try {
      assert.equal(db.pragma('page_size', { simple: true }), 4096);
      assert.ok(db.prepare('SELECT count(*) FROM schema_migrations').pluck().get());
    } finally {
      db.close();
    }
  });

  it('refuses a database migrated by a newer build', async () => {
    const path = join(dir, 'newer.db');
    await (await openStore({ kind: 'sqlite', path })).close();
    const db = new Database(path);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(999, 'future', 0);
    db.close();
    await assert.rejects(openStore({ kind: 'sqlite', path }), /schema version 999/);
  });

  it('switches a new file to WAL once another connection lets go of it, where SQLite itself does not wait', { timeout: 30_000 }, async () => {
    const path = join(dir, 'held.db');
    // A file in SQLite's default rollback mode with a write transaction open (as while another process creates or
    // switches it): the opener reads the file, then needs it to itself to switch it to WAL, and SQLite answers
    // "database is locked" at once rather than calling the busy handler (waiting could deadlock in general).
    const holder = new Database(path);
    holder.exec('CREATE TABLE t (x)');
    holder.exec('BEGIN IMMEDIATE');
    const code = `
      const { workerData, parentPort } = require('node:worker_threads');
      import(workerData.index)
        .then(async ({ openStore }) => {
          parentPort.postMessage('opening');
          const s = await openStore({ kind: 'sqlite', path: workerData.path });
          await s.close();
          parentPort.postMessage('ok');
        })
        .catch((e) => parentPort.postMessage(String(e)));
    `;
    const index = new URL('./index.js', import.meta.url).href;
    const w = new Worker(code, { eval: true, workerData: { index, path } });
    const messages: string[] = [];
    const next = () =>
      new Promise<string>((resolve, reject) => {
        if (messages.length) return resolve(messages.shift()!);
        w.once('message', () => resolve(messages.shift()!));
        w.once('error', reject);
      });
    w.on('message', (m: string) => messages.push(m));
    assert.equal(await next(), 'opening');
    // The opener is blocked in its retries meanwhile (its module graph is loaded); the holder lets go after a while.
    await new Promise((r) => setTimeout(r, 500));
    holder.exec('COMMIT');
    holder.close();
    assert.equal(await next(), 'ok');
    const check = new Database(path);
    try {
      assert.equal(check.pragma('journal_mode', { simple: true }), 'wal');
    } finally {
      check.close();
    }
  });

  it('migrates safely when several threads open an empty file at once', { timeout: 30_000 }, async () => {
    const path = join(dir, 'threads.db');
    const index = new URL('./index.js', import.meta.url).href;
    // Workers have their own connections, like separate processes; each opens (and so migrates) the same file.
    const code = `
      const { workerData, parentPort } = require('node:worker_threads');
      import(workerData.index)
        .then(async ({ openStore }) => {
          const s = await openStore({ kind: 'sqlite', path: workerData.path });
          await s.kv.set('w' + workerData.n, 'ok');
          await s.close();
          parentPort.postMessage('ok');
        })
        .catch((e) => parentPort.postMessage(String(e)));
    `;
    const results = await Promise.all(
      [0, 1, 2].map(
        (n) =>
          new Promise<string>((resolve, reject) => {
            const w = new Worker(code, { eval: true, workerData: { index, path, n } });
            w.once('message', (m: string) => resolve(m));
            w.once('error', reject);
          }),
      ),
    );
    assert.deepEqual(results, ['ok', 'ok', 'ok']);
    const store = await openStore({ kind: 'sqlite', path });
    try {
      assert.deepEqual(await Promise.all([0, 1, 2].map((n) => store.kv.get(`w${n}`))), ['ok', 'ok', 'ok']);
    } finally {
      await store.close();
    }
  });

  it('rejects a bad poll interval', async () => {
    await assert.rejects(openStore({ kind: 'sqlite', path: join(dir, 'x.db'), pollIntervalMs: 0 }), TypeError);
  });
});

// ---- PostgreSQL ------------------------------------------------------------------------------------------------

/** Trust auth still needs a role name; without one, pg would send $USER, which CI containers often lack. */
function baseUrl(): string {
  const u = new URL(process.env.RAMPART_TEST_PG_URL ?? 'postgres://127.0.0.1:5432/test');
  if (!u.username) u.username = process.env.PGUSER ?? 'postgres';
  return u.toString();
}
const PG_BASE = baseUrl();

async function pgReachable(): Promise<string | undefined> {
  const c = new pg.Client({ connectionString: PG_BASE, connectionTimeoutMillis: 3000 });
  c.on('error', () => undefined);
  try {
    await c.connect();
    await c.query('SELECT 1');
    return undefined;
  } catch (err) {
    return `PostgreSQL at ${PG_BASE} is unreachable (${(err as Error).message})`;
  } finally {
    await c.end().catch(() => undefined);
  }
}

const pgProblem = await pgReachable();
if (pgProblem && process.env.CI === 'true') throw new Error(`${pgProblem}; CI=true requires it`);

const schemas: string[] = [];
let admin: pg.Client | undefined;

async function newSchema(): Promise<string> {
  if (!admin) {
    admin = new pg.Client({ connectionString: PG_BASE });
    await admin.connect();
  }
  const name = `rampart_test_${randomBytes(6).toString('hex')}`;
  await admin.query(`CREATE SCHEMA ${name}`);
  schemas.push(name);
  return name;
}

function urlFor(schema: string): string {
  const u = new URL(PG_BASE);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

after(async () => {
  if (!admin) return;
  for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  await admin.end();
});

if (pgProblem) {
  describe('store conformance: postgres', () => {
    it(`skipped: ${pgProblem} (set CI=true to make this fail)`, { skip: pgProblem }, () => {});
  });
} else {
  const shared = newSchema();
  storeConformance(
    'postgres',
    async () => openStore({ kind: 'postgres', url: urlFor(await shared), maxConnections: 4, reconnectDelayMs: 50 }),
    async () => {
      const url = urlFor(await newSchema());
      return () => openStore({ kind: 'postgres', url, maxConnections: 4, autoMigrate: false });
    },
  );

  describe('postgres specifics', () => {
    it('re-listens after the LISTEN connection is killed and tells subscribers to resync', { timeout: 20_000 }, async () => {
      const url = urlFor(await shared);
      const a = (await openStore({ kind: 'postgres', url, reconnectDelayMs: 50 })) as PgStore;
      const b: Store = await openStore({ kind: 'postgres', url, reconnectDelayMs: 50 });
      try {
        const heard: string[] = [];
        let resolveResync!: () => void;
        const resynced = new Promise<void>((r) => (resolveResync = r));
        let resolveAfter!: () => void;
        const afterReconnect = new Promise<void>((r) => (resolveAfter = r));
        a.changes.subscribe((t) => {
          heard.push(t);
          if (t === RESYNC_TOPIC) resolveResync();
          if (t === 'after-reconnect') resolveAfter();
        });
        const pid = a.changes.listenerPid();
        assert.ok(pid, 'listener connected');
        await admin!.query('SELECT pg_terminate_backend($1)', [pid]);
        await resynced;
        assert.notEqual(a.changes.listenerPid(), pid);
        await b.changes.publish('after-reconnect');
        await afterReconnect;
        assert.deepEqual(heard, [RESYNC_TOPIC, 'after-reconnect']);
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('does not hear notifications from another schema', { timeout: 20_000 }, async () => {
      const mine = await openStore({ kind: 'postgres', url: urlFor(await shared) });
      const other = await openStore({ kind: 'postgres', url: urlFor(await newSchema()) });
      const peer = await openStore({ kind: 'postgres', url: urlFor(await shared) });
      try {
        const heard: string[] = [];
        let resolve!: () => void;
        const done = new Promise<void>((r) => (resolve = r));
        mine.changes.subscribe((t) => {
          heard.push(t);
          if (t === 'same-schema') resolve();
        });
        // NOTIFY from one session arrives in order, so if the other schema's notice leaked it would come first.
        await other.changes.publish('other-schema');
        await peer.changes.publish('same-schema');
        await done;
        assert.deepEqual(heard, ['same-schema']);
      } finally {
        await Promise.all([mine.close(), other.close(), peer.close()]);
      }
    });

    it('refuses to open when no schema on the search_path exists', async () => {
      await assert.rejects(
        openStore({ kind: 'postgres', url: urlFor(`rampart_missing_${randomBytes(4).toString('hex')}`) }),
        /no schema/,
      );
    });
  });
}
