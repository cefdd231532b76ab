/**
 * The embedded store: one SQLite file, opened with better-sqlite3. The driver is synchronous; the methods are
 * async only to satisfy the shared Store contract (and so a throw becomes a rejection).
 */
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { pendingMigrations } from '../migrations.js';
import {
  KEY_FIELDS,
  LOG_FIELDS,
  columnList,
  decodeRow,
  encodeKeyPatch,
  encodeRecord,
  queryLimit,
  type Codec,
} from '../rows.js';
import {
  StoreNotFoundError,
  type ApiKeyPatch,
  type ApiKeyRecord,
  type KeyStore,
  type KvStore,
  type RequestLogRecord,
  type RequestLogStore,
  type Store,
} from '../types.js';
import { SqliteRecords } from '../records-sqlite.js';
import { SqliteGovernance } from '../governance-sqlite.js';
import { SqliteGuardrails } from '../guardrails-sqlite.js';
import { SqliteChanges } from './changes.js';
import { StatementCache, mapSqliteError, openDatabase } from './db.js';

/** Instants as epoch milliseconds (exact for JavaScript Dates); lists as JSON text; booleans as 0/1. */
const codec: Codec = {
  encode(kind, v) {
    if (kind === 'date') return (v as Date).getTime();
    if (kind === 'list') return JSON.stringify(v);
    if (kind === 'bool') return v ? 1 : 0;
    return v;
  },
  decode(kind, raw) {
    if (kind === 'date') return new Date(raw as number);
    if (kind === 'list') return JSON.parse(raw as string) as string[];
    if (kind === 'bool') return raw !== 0;
    return raw;
  },
};

const KEY_COLS = columnList(KEY_FIELDS);
const KEY_PLACEHOLDERS = KEY_FIELDS.map(() => '?').join(', ');
const LOG_COLS = columnList(LOG_FIELDS);
const LOG_PLACEHOLDERS = LOG_FIELDS.map(() => '?').join(', ');

type Row = Record<string, unknown>;

class SqliteKeys implements KeyStore {
  constructor(
    private readonly db: Database.Database,
    private readonly stmts: StatementCache,
  ) {}

  async create(rec: ApiKeyRecord): Promise<void> {
    const params = encodeRecord(KEY_FIELDS, rec, codec);
    try {
      this.stmts.get(`INSERT INTO api_keys (${KEY_COLS}) VALUES (${KEY_PLACEHOLDERS})`).run(...params);
    } catch (err) {
      throw mapSqliteError(err, `API key ${rec.id} (or its hash)`);
    }
  }

  async get(id: string): Promise<ApiKeyRecord | undefined> {
    const row = this.stmts.get(`SELECT ${KEY_COLS} FROM api_keys WHERE id = ?`).get(id) as Row | undefined;
    return row && decodeRow(KEY_FIELDS, row, codec);
  }

  async findByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    const row = this.stmts.get(`SELECT ${KEY_COLS} FROM api_keys WHERE hash = ?`).get(hash) as Row | undefined;
    return row && decodeRow(KEY_FIELDS, row, codec);
  }

  async list(opts: { includeRevoked?: boolean; application?: string } = {}): Promise<ApiKeyRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (!opts.includeRevoked) where.push('revoked_at IS NULL');
    if (opts.application !== undefined) {
      where.push('application = ?');
      params.push(opts.application);
    }
    const sql =
      `SELECT ${KEY_COLS} FROM api_keys` +
      (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
      ' ORDER BY created_at DESC, id DESC';
    return (this.stmts.get(sql).all(...params) as Row[]).map((r) => decodeRow(KEY_FIELDS, r, codec));
  }

  async update(id: string, patch: ApiKeyPatch): Promise<void> {
    const { columns, values } = encodeKeyPatch(patch, codec);
    const sql =
      columns.length === 0
        ? 'SELECT 1 FROM api_keys WHERE id = ?'
        : `UPDATE api_keys SET ${columns.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`;
    let found: boolean;
    try {
      const s = this.stmts.get(sql);
      found = columns.length === 0 ? s.get(id) !== undefined : s.run(...values, id).changes > 0;
    } catch (err) {
      throw mapSqliteError(err, `API key ${id}`);
    }
    if (!found) throw new StoreNotFoundError(`no API key with id ${id}`);
  }

  async touch(ids: string[], at: Date): Promise<void> {
    if (ids.length === 0) return;
    const ms = codec.encode('date', at) as number;
    if (Number.isNaN(ms)) throw new TypeError('store: touch needs a valid Date');
    // Never moves last-used backwards: batches from several instances may arrive out of order.
    const s = this.stmts.get(
      'UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)',
    );
    this.db.transaction(() => {
      for (const id of ids) s.run(ms, id, ms);
    })();
  }
}

class SqliteRequestLog implements RequestLogStore {
  constructor(
    private readonly db: Database.Database,
    private readonly stmts: StatementCache,
  ) {}

  async insertMany(records: RequestLogRecord[]): Promise<void> {
    if (records.length === 0) return;
    // Encode (and validate) everything first so a bad record rejects the batch before any write.
    const rows = records.map((r) => encodeRecord(LOG_FIELDS, r, codec));
    const s = this.stmts.get(`INSERT INTO request_log (${LOG_COLS}) VALUES (${LOG_PLACEHOLDERS})`);
    this.db.transaction(() => {
      for (const params of rows) s.run(...params);
    })();
  }

  async query(opts: { since?: Date; limit?: number }): Promise<RequestLogRecord[]> {
    const limit = queryLimit(opts.limit);
    const since = opts.since === undefined ? Number.MIN_SAFE_INTEGER : (codec.encode('date', opts.since) as number);
    const rows = this.stmts
      .get(`SELECT ${LOG_COLS} FROM request_log WHERE time >= ? ORDER BY time DESC, id DESC LIMIT ?`)
      .all(since, limit) as Row[];
    return rows.map((r) => decodeRow(LOG_FIELDS, r, codec));
  }
}

class SqliteKv implements KvStore {
  constructor(private readonly stmts: StatementCache) {}

  async get(key: string): Promise<string | undefined> {
    const row = this.stmts.get('SELECT value FROM kv WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value;
  }

  async set(key: string, value: string): Promise<void> {
    this.stmts
      .get(
        'INSERT INTO kv (key, value, updated_at) VALUES (?, ?, ?) ' +
          'ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
      )
      .run(key, value, Date.now());
  }
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly keys: SqliteKeys;
  readonly requestLog: SqliteRequestLog;
  readonly kv: SqliteKv;
  readonly changes: SqliteChanges;
  readonly records: SqliteRecords;
  readonly governance: SqliteGovernance;
  readonly guardrails: SqliteGuardrails;
  private closed = false;

  constructor(
    private readonly db: Database.Database,
    pollIntervalMs: number,
  ) {
    const stmts = new StatementCache(db);
    this.keys = new SqliteKeys(db, stmts);
    this.requestLog = new SqliteRequestLog(db, stmts);
    this.kv = new SqliteKv(stmts);
    this.records = new SqliteRecords(db, stmts);
    this.governance = new SqliteGovernance(db, stmts);
    this.guardrails = new SqliteGuardrails(db, stmts);
    this.changes = new SqliteChanges(stmts, randomUUID(), pollIntervalMs);
  }

  async migrate(): Promise<void> {
    // IMMEDIATE takes the write lock up front, so two processes starting together apply each migration once.
    this.db
      .transaction(() => {
        this.db.exec(
          'CREATE TABLE IF NOT EXISTS schema_migrations ' +
            '(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
        );
        const applied = this.db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[];
        const record = this.db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
        for (const m of pendingMigrations(applied)) {
          this.db.exec(m.sqlite);
          record.run(m.version, m.name, Date.now());
        }
      })
      .immediate();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.changes.close();
    this.db.close();
  }
}

export async function openSqliteStore(cfg: {
  path: string;
  pollIntervalMs?: number;
  autoMigrate?: boolean;
}): Promise<SqliteStore> {
  const interval = cfg.pollIntervalMs ?? 1000;
  if (!Number.isSafeInteger(interval) || interval < 1) throw new TypeError('store: pollIntervalMs must be >= 1');
  const store = new SqliteStore(openDatabase(cfg.path), interval);
  if (cfg.autoMigrate !== false) {
    try {
      await store.migrate();
    } catch (err) {
      await store.close();
      throw err;
    }
  }
  return store;
}
