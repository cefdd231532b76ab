/** The PostgreSQL store: a `pg` Pool for queries plus one dedicated connection for LISTEN. */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import {
  KEY_FIELDS,
  LOG_FIELDS,
  columnList,
  decodeRow,
  encodeKeyPatch,
  encodeRecord,
  queryLimit,
  type Codec,
  type FieldKind,
  warn,
} from '../rows.js';
import {
  StoreConflictError,
  StoreNotFoundError,
  type ApiKeyPatch,
  type ApiKeyRecord,
  type KeyStore,
  type KvStore,
  type RequestLogRecord,
  type RequestLogStore,
  type Store,
} from '../types.js';
import { PgRecords } from '../records-postgres.js';
import { PgGovernance } from '../governance-postgres.js';
import { PgGuardrails } from '../guardrails-postgres.js';
import { PgChanges } from './changes.js';
import { migratePostgres } from './migrate.js';

/** pg already maps timestamptz to Date, text[] to string[], boolean and integer/float8 to JavaScript values. */
const codec: Codec = {
  encode: (_kind, v) => v,
  decode: (kind, raw) => (kind === 'date' && !(raw instanceof Date) ? new Date(raw as string) : raw),
};

const KEY_COLS = columnList(KEY_FIELDS);
const LOG_COLS = columnList(LOG_FIELDS);
function pgArrayType(kind: FieldKind): string {
  // unnest flattens nested arrays, so a list column would need another encoding; none exists in the log yet.
  if (kind === 'list') throw new Error('store: list columns are not supported in batched inserts');
  return { text: 'text[]', date: 'timestamptz[]', int: 'integer[]', real: 'float8[]', bool: 'boolean[]' }[kind];
}
/** One statement per batch whatever its size: each column travels as one array parameter. */
const LOG_INSERT =
  `INSERT INTO request_log (${LOG_COLS}) SELECT * FROM unnest(` +
  LOG_FIELDS.map((fl, i) => `$${i + 1}::${pgArrayType(fl.kind)}`).join(', ') +
  ')';
/** Bounds the size of one bind message; larger batches go in several statements inside one transaction. */
const LOG_CHUNK = 5000;

type Row = Record<string, unknown>;

function placeholders(n: number, from = 1): string {
  return Array.from({ length: n }, (_, i) => `$${i + from}`).join(', ');
}

function mapPgError(err: unknown, what: string): unknown {
  if (err instanceof Error && (err as Error & { code?: string }).code === '23505') {
    return new StoreConflictError(`${what} already exists`, { cause: err });
  }
  return err;
}

class PgKeys implements KeyStore {
  constructor(private readonly pool: pg.Pool) {}

  async create(rec: ApiKeyRecord): Promise<void> {
    const values = encodeRecord(KEY_FIELDS, rec, codec);
    try {
      await this.pool.query(`INSERT INTO api_keys (${KEY_COLS}) VALUES (${placeholders(KEY_FIELDS.length)})`, values);
    } catch (err) {
      throw mapPgError(err, `API key ${rec.id} (or its hash)`);
    }
  }

  async get(id: string): Promise<ApiKeyRecord | undefined> {
    const { rows } = await this.pool.query<Row>({
      name: 'rampart_key_by_id',
      text: `SELECT ${KEY_COLS} FROM api_keys WHERE id = $1`,
      values: [id],
    });
    return rows[0] && decodeRow(KEY_FIELDS, rows[0], codec);
  }

  async findByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    // Named: prepared once per connection, since this runs on every authenticated request that misses the cache.
    const { rows } = await this.pool.query<Row>({
      name: 'rampart_key_by_hash',
      text: `SELECT ${KEY_COLS} FROM api_keys WHERE hash = $1`,
      values: [hash],
    });
    return rows[0] && decodeRow(KEY_FIELDS, rows[0], codec);
  }

  async list(opts: { includeRevoked?: boolean; application?: string } = {}): Promise<ApiKeyRecord[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    if (!opts.includeRevoked) where.push('revoked_at IS NULL');
    if (opts.application !== undefined) {
      values.push(opts.application);
      where.push(`application = $${values.length}`);
    }
    const sql =
      `SELECT ${KEY_COLS} FROM api_keys` +
      (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
      ' ORDER BY created_at DESC, id DESC';
    const { rows } = await this.pool.query<Row>(sql, values);
    return rows.map((r) => decodeRow(KEY_FIELDS, r, codec));
  }

  async update(id: string, patch: ApiKeyPatch): Promise<void> {
    const { columns, values } = encodeKeyPatch(patch, codec);
    const sql =
      columns.length === 0
        ? 'SELECT 1 FROM api_keys WHERE id = $1'
        : `UPDATE api_keys SET ${columns.map((c, i) => `${c} = $${i + 1}`).join(', ')} WHERE id = $${columns.length + 1}`;
    let res: pg.QueryResult;
    try {
      res = await this.pool.query(sql, [...values, id]);
    } catch (err) {
      throw mapPgError(err, `API key ${id}`);
    }
    if (!res.rowCount) throw new StoreNotFoundError(`no API key with id ${id}`);
  }

  async touch(ids: string[], at: Date): Promise<void> {
    if (ids.length === 0) return;
    if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw new TypeError('store: touch needs a valid Date');
    // Never moves last-used backwards: batches from several instances may arrive out of order.
    await this.pool.query(
      'UPDATE api_keys SET last_used_at = $1 ' +
        'WHERE id = ANY($2::text[]) AND (last_used_at IS NULL OR last_used_at < $1)',
      [at, ids],
    );
  }
}

class PgRequestLog implements RequestLogStore {
  constructor(private readonly pool: pg.Pool) {}

  async insertMany(records: RequestLogRecord[]): Promise<void> {
    if (records.length === 0) return;
    const rows = records.map((r) => encodeRecord(LOG_FIELDS, r, codec));
    const chunks: unknown[][][] = [];
    for (let i = 0; i < rows.length; i += LOG_CHUNK) chunks.push(rows.slice(i, i + LOG_CHUNK));
    const toColumns = (chunk: unknown[][]) => LOG_FIELDS.map((_, c) => chunk.map((r) => r[c]));
    if (chunks.length === 1) {
      await this.pool.query(LOG_INSERT, toColumns(chunks[0]));
      return;
    }
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      for (const chunk of chunks) await client.query(LOG_INSERT, toColumns(chunk));
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async query(opts: { since?: Date; limit?: number }): Promise<RequestLogRecord[]> {
    const limit = queryLimit(opts.limit);
    const { rows } =
      opts.since === undefined
        ? await this.pool.query<Row>(`SELECT ${LOG_COLS} FROM request_log ORDER BY time DESC, id DESC LIMIT $1`, [
            limit,
          ])
        : await this.pool.query<Row>(
            `SELECT ${LOG_COLS} FROM request_log WHERE time >= $1 ORDER BY time DESC, id DESC LIMIT $2`,
            [opts.since, limit],
          );
    return rows.map((r) => decodeRow(LOG_FIELDS, r, codec));
  }
}

class PgKv implements KvStore {
  constructor(private readonly pool: pg.Pool) {}

  async get(key: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ value: string }>('SELECT value FROM kv WHERE key = $1', [key]);
    return rows[0]?.value;
  }

  async set(key: string, value: string): Promise<void> {
    await this.pool.query(
      'INSERT INTO kv (key, value, updated_at) VALUES ($1, $2, now()) ' +
        'ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at',
      [key, value],
    );
  }
}

export class PgStore implements Store {
  readonly kind = 'postgres' as const;
  readonly keys: PgKeys;
  readonly requestLog: PgRequestLog;
  readonly kv: PgKv;
  readonly changes: PgChanges;
  readonly records: PgRecords;
  readonly governance: PgGovernance;
  readonly guardrails: PgGuardrails;
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    changes: PgChanges,
  ) {
    this.keys = new PgKeys(pool);
    this.requestLog = new PgRequestLog(pool);
    this.kv = new PgKv(pool);
    this.records = new PgRecords(pool);
    this.governance = new PgGovernance(pool);
    this.guardrails = new PgGuardrails(pool);
    this.changes = changes;
  }

  async migrate(): Promise<void> {
    await migratePostgres(this.pool);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.changes.close();
    await this.pool.end();
  }
}

export async function openPostgresStore(cfg: {
  url: string;
  maxConnections?: number;
  reconnectDelayMs?: number;
  autoMigrate?: boolean;
}): Promise<PgStore> {
  const pool = new pg.Pool({ connectionString: cfg.url, max: cfg.maxConnections ?? 10 });
  // An idle pooled connection that dies emits here; without a listener Node would crash. The pool drops it and
  // the next query opens a fresh one, so a warning is enough.
  pool.on('error', (err) => warn('RampartStorePoolError', err));
  let changes: PgChanges | undefined;
  try {
    const { rows } = await pool.query<{ schema: string | null }>('SELECT current_schema() AS schema');
    const schema = rows[0]?.schema;
    if (!schema) throw new Error('store: no schema on the PostgreSQL search_path exists; create it first');
    changes = new PgChanges({
      pool,
      clientConfig: { connectionString: cfg.url, application_name: 'rampart-changes' },
      schema,
      origin: randomUUID(),
      reconnectDelayMs: cfg.reconnectDelayMs ?? 1000,
    });
    const store = new PgStore(pool, changes);
    if (cfg.autoMigrate !== false) await store.migrate();
    await changes.start();
    return store;
  } catch (err) {
    await changes?.close();
    await pool.end().catch(() => undefined);
    throw err;
  }
}
