/** Opening the SQLite file with the settings every Rampart process must agree on, and a prepared-statement cache. */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { StoreConflictError } from '../types.js';

/**
 * How long a writer waits for another process's write lock before SQLITE_BUSY. better-sqlite3 is synchronous, so
 * this also bounds how long a contended write can stall the event loop.
 */
const BUSY_TIMEOUT_MS = 5000;

/**
 * How much WAL a commit may leave before it copies the log back into the database (SQLite's automatic checkpoint),
 * in bytes rather than SQLite's 1000 pages: at 16 KiB pages that default let 16 MiB pile up, which the records
 * writer then copied and flushed in one burst, several times a second under load, on the core the gateway's clients
 * and upstreams share. With ~1.5 MiB checkpoints the whole pipeline's p99 at ten connections (bench/overhead) was
 * 1-1.5 ms lower (docs/performance.md). The same bytes are written either way, in smaller bursts.
 */
const CHECKPOINT_BYTES = 1.5 * 1024 * 1024;

export function openDatabase(path: string): Database.Database {
  const memory = path === ':memory:';
  if (!memory) mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // Takes effect only on a new, empty file (an existing one keeps its size). A 6 KB invocation record then fits
    // one page instead of a page and an overflow page: the records writer spent ~15% less system time and the
    // gateway served 3-5% more requests under bench/overhead's load.
    db.pragma('page_size = 16384');
    // WAL lets readers (the gateway's hot path) proceed while the CLI or another instance writes.
    if (!memory) useWal(db);
    // NORMAL in WAL mode can lose the last commits on power loss but never corrupts; the log is advisory.
    db.pragma('synchronous = NORMAL');
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    db.pragma(`wal_autocheckpoint = ${Math.max(16, Math.round(CHECKPOINT_BYTES / pageSize))}`);
    db.pragma('foreign_keys = ON');
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/**
 * Switches the file to WAL, which is a property of the file: once any connection has done it, there is nothing
 * left to do. The switch needs the file to itself, and SQLite does not call the busy handler for it, so processes
 * (or the records writer thread) opening a new file together could fail with "database is locked" at once (seen in
 * CI). Retried with backoff within the busy timeout, like any other lock wait.
 */
function useWal(db: Database.Database): void {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (let attempt = 0; ; attempt++) {
    let mode: unknown;
    try {
      if (db.pragma('journal_mode', { simple: true }) === 'wal') return;
      mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode === 'wal') return;
    } catch (err) {
      if (!isBusy(err) || Date.now() >= deadline) throw err;
    }
    // Not switched: another connection held the file (SQLite then answers with the mode it kept).
    if (Date.now() >= deadline) throw new Error(`could not switch the database to WAL mode (it stayed '${String(mode)}')`);
    sleepSync(Math.min(100, 2 ** attempt) * (0.5 + Math.random()));
  }
}

const isBusy = (err: unknown): boolean => err instanceof Database.SqliteError && err.code.startsWith('SQLITE_BUSY');

/** Blocks the thread like SQLite's own busy handler does (opening a store is synchronous). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export type Stmt = Database.Statement<unknown[], unknown>;

/** Statements are prepared once per SQL text; SQLite re-prepares them itself if the schema changes. */
export class StatementCache {
  private readonly cache = new Map<string, Stmt>();
  constructor(private readonly db: Database.Database) {}

  get(sql: string): Stmt {
    let s = this.cache.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.cache.set(sql, s);
    }
    return s;
  }
}

/** Maps unique-constraint violations to StoreConflictError; everything else passes through unchanged. */
export function mapSqliteError(err: unknown, what: string): unknown {
  if (
    err instanceof Database.SqliteError &&
    (err.code === 'SQLITE_CONSTRAINT_UNIQUE' || err.code === 'SQLITE_CONSTRAINT_PRIMARYKEY')
  ) {
    return new StoreConflictError(`${what} already exists`, { cause: err });
  }
  return err;
}
