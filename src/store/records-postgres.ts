/**
 * Records tables on PostgreSQL (see records-types.ts). A batch is one transaction per table (one commit each) of
 * prepared multi-row INSERTs; ON CONFLICT DO NOTHING makes a replayed spool harmless.
 */
import type pg from 'pg';
import {
  AUDIT_COLS,
  INV_COLS,
  auditFromRow,
  auditParams,
  invocationFromRow,
  invocationParams,
  whereClause,
} from './records-sql.js';
import type { AuditRow, DigestRow, InvocationRow, RecordsFilter, RecordsStore, SubjectKeyRow } from './records-types.js';
import { StoreConflictError } from './types.js';

type Row = Record<string, unknown>;
const id = <T>(v: T) => v;
const toDate = (raw: unknown) => (raw instanceof Date ? raw : new Date(raw as string));
/** ISO 8601 with Z: exact for timestamptz whatever the session time zone, and cheaper than pg's local-time format. */
const iso = (d: Date) => d.toISOString();
const ph = (n: number) => `$${n}`;
const UNIQUE_VIOLATION = '23505';

type Table = 'invocation_records' | 'audit_events';
const SHAPES: Record<Table, { cols: string; casts: string[] }> = {
  invocation_records: { cols: INV_COLS, casts: ['', '::timestamptz', '', '', '', '', '', '::integer', '', '', '', '', '', ''] },
  audit_events: { cols: AUDIT_COLS, casts: ['', '::bigint', '', '::timestamptz', '', '', '', '', '', '::boolean', '', '', ''] },
};

/**
 * Rows go in chunks of 256, 128, ..., 1 rows: a handful of fixed statements, each prepared once per connection and
 * run with a generic plan. Parsing and planning a fresh 2,000-row VALUES list per batch was half of the server's CPU
 * for these inserts. One parameter per field, as pg sends strings as-is, whereas array parameters (unnest) must
 * escape every 1-2 KB body into an array literal, which cost more CPU than the insert itself.
 *
 * A batch is first tried as a plain INSERT: ON CONFLICT probes every unique index before each row (about an eighth
 * of the insert's CPU), and only a replayed batch holds rows that are already stored. That batch fails on the
 * primary key, rolls back whole, and is written again with ON CONFLICT DO NOTHING.
 *
 * The prepared statements cost each connection that writes batches about 9 MB of server memory (cached plans).
 */
const MAX_CHUNK = 256;
const sqlCache = new Map<string, string>();
type Mode = 'new' | 'replay';
function insertSql(table: Table, rows: number, mode: Mode): string {
  const key = `${table}:${rows}:${mode}`;
  let sql = sqlCache.get(key);
  if (!sql) {
    const { cols, casts } = SHAPES[table];
    const n = casts.length;
    const values = Array.from({ length: rows }, (_, r) => `(${casts.map((c, i) => `$${r * n + i + 1}${c}`).join(', ')})`);
    sql = `INSERT INTO ${table} (${cols}) VALUES ${values.join(', ')}${mode === 'replay' ? ' ON CONFLICT DO NOTHING' : ''}`;
    sqlCache.set(key, sql);
  }
  return sql;
}

interface Part {
  table: Table;
  /** The rows' column values, row after row. */
  values: unknown[];
}

/** Opens a transaction and inserts every part, leaving the commit to the caller. */
async function insertLane(client: pg.PoolClient, parts: Part[]): Promise<void> {
  const write = async (mode: Mode) => {
    await client.query('BEGIN; SET LOCAL plan_cache_mode = force_generic_plan');
    for (const p of parts) await insertRows(client, p.table, p.values, mode);
  };
  try {
    await write('new');
  } catch (err) {
    if ((err as { code?: string }).code !== UNIQUE_VIOLATION) throw err;
    await client.query('ROLLBACK');
    await write('replay');
  }
}

async function insertRows(client: pg.PoolClient, table: Table, values: unknown[], mode: Mode): Promise<void> {
  const n = SHAPES[table].casts.length;
  const rows = values.length / n;
  for (let i = 0, size = MAX_CHUNK; i < rows; i += size) {
    while (size > rows - i) size >>= 1;
    await client.query({
      name: `rampart_${mode}_${table}_${size}`,
      text: insertSql(table, size, mode),
      values: values.slice(i * n, (i + size) * n),
    });
  }
}

export class PgRecords implements RecordsStore {
  private twoLaneTurn: Promise<void> = Promise.resolve();

  constructor(private readonly pool: pg.Pool) {}

  async insertInvocations(rows: InvocationRow[]): Promise<void> {
    await this.writeBatch({ audit: [], invocations: rows });
  }

  async appendAudit(rows: AuditRow[]): Promise<void> {
    await this.writeBatch({ audit: rows, invocations: [] });
  }

  /**
   * The two tables go in parallel, each in its own transaction on its own connection: the server inserts into both at
   * once, about a third more records/s through the recorder on two cores. The audit transaction commits first, so an
   * invocation row never exists without the event that vouches for it; should the second commit fail, the retried
   * batch sends both again (inserts are idempotent). A pool of one connection writes both in one transaction.
   */
  async writeBatch(batch: { audit: AuditRow[]; invocations: InvocationRow[] }): Promise<void> {
    // Encoded (and validated) before a connection is taken: a bad row fails the batch without a round trip.
    const audit: Part = { table: 'audit_events', values: [] };
    for (const r of batch.audit) auditParams(r, iso, id, audit.values);
    const invocations: Part = { table: 'invocation_records', values: [] };
    for (const r of batch.invocations) invocationParams(r, iso, invocations.values);
    const parts = [audit, invocations].filter((p) => p.values.length > 0);
    if (parts.length === 0) return;
    if (parts.length === 1 || this.pool.options.max < 2) return this.writeLanes([parts]);
    // A two-lane write holds one connection while it waits for the second: such writes take turns, so two of them
    // can never each hold one connection of a two-connection pool and wait for the other's.
    const turn = this.twoLaneTurn.then(() => this.writeLanes([[audit], [invocations]]));
    this.twoLaneTurn = turn.catch(() => undefined);
    return turn;
  }

  /** Each lane is one connection and one transaction; lanes run in parallel and commit in order. */
  private async writeLanes(lanes: Part[][]): Promise<void> {
    const clients: pg.PoolClient[] = [];
    let failed: Error | undefined;
    try {
      while (clients.length < lanes.length) clients.push(await this.pool.connect());
      // Both lanes finish before anything is released or committed: no connection goes back mid-query.
      const settled = await Promise.allSettled(lanes.map((parts, i) => insertLane(clients[i], parts)));
      for (const s of settled) if (s.status === 'rejected') throw s.reason;
      for (const c of clients) await c.query('COMMIT');
    } catch (err) {
      failed = err instanceof Error ? err : new Error(String(err));
      throw err;
    } finally {
      // A connection that failed mid-transaction is closed rather than reused: closing rolls the transaction back.
      for (const c of clients) c.release(failed);
    }
  }

  async queryInvocations(filter: RecordsFilter): Promise<InvocationRow[]> {
    const w = whereClause(filter, 'invocation', ph, id);
    const { rows } = await this.pool.query<Row>(
      `SELECT ${INV_COLS} FROM invocation_records${w.sql} ORDER BY time DESC, request_id DESC LIMIT $${w.params.length + 1}`,
      [...w.params, w.limit],
    );
    return rows.map((r) => invocationFromRow(r, toDate));
  }

  async getInvocation(requestId: string): Promise<InvocationRow | undefined> {
    const { rows } = await this.pool.query<Row>(`SELECT ${INV_COLS} FROM invocation_records WHERE request_id = $1`, [
      requestId,
    ]);
    return rows[0] && invocationFromRow(rows[0], toDate);
  }

  async queryAudit(filter: RecordsFilter): Promise<AuditRow[]> {
    const w = whereClause(filter, 'audit', ph, id);
    const { rows } = await this.pool.query<Row>(
      `SELECT ${AUDIT_COLS} FROM audit_events${w.sql} ORDER BY time DESC, seq DESC LIMIT $${w.params.length + 1}`,
      [...w.params, w.limit],
    );
    return rows.map((r) => auditFromRow(r, toDate));
  }

  async readAudit(instanceId: string, afterSeq: number, limit: number): Promise<AuditRow[]> {
    const { rows } = await this.pool.query<Row>({
      name: 'rampart_read_audit',
      text: `SELECT ${AUDIT_COLS} FROM audit_events WHERE instance_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      values: [instanceId, afterSeq, limit],
    });
    return rows.map((r) => auditFromRow(r, toDate));
  }

  async readChain(instanceId: string, afterSeq: number, limit: number): Promise<Array<[number, string, string, string]>> {
    const { rows } = await this.pool.query<[string, string, string, string]>({
      name: 'rampart_read_chain',
      text: 'SELECT seq, hash, body, event_name FROM audit_events WHERE instance_id = $1 AND seq > $2 ORDER BY seq LIMIT $3',
      values: [instanceId, afterSeq, limit],
      rowMode: 'array',
    });
    return rows.map((r) => [Number(r[0]), r[1], r[2], r[3]]);
  }

  async auditHeads(): Promise<Array<{ instanceId: string; firstSeq: number; lastSeq: number; lastHash: string }>> {
    const { rows } = await this.pool.query<Row>(
      'SELECT h.instance_id, h.first_seq, h.last_seq, e.hash FROM ' +
        '(SELECT instance_id, min(seq) AS first_seq, max(seq) AS last_seq FROM audit_events GROUP BY instance_id) h ' +
        'JOIN audit_events e ON e.instance_id = h.instance_id AND e.seq = h.last_seq ORDER BY h.instance_id',
    );
    return rows.map((r) => ({
      instanceId: r.instance_id as string,
      firstSeq: Number(r.first_seq),
      lastSeq: Number(r.last_seq),
      lastHash: r.hash as string,
    }));
  }

  async auditHead(instanceId: string): Promise<{ seq: number; hash: string } | undefined> {
    const { rows } = await this.pool.query<{ seq: string; hash: string }>(
      'SELECT seq, hash FROM audit_events WHERE instance_id = $1 ORDER BY seq DESC LIMIT 1',
      [instanceId],
    );
    return rows[0] && { seq: Number(rows[0].seq), hash: rows[0].hash };
  }

  async auditHash(instanceId: string, seq: number): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ hash: string }>(
      'SELECT hash FROM audit_events WHERE instance_id = $1 AND seq = $2',
      [instanceId, seq],
    );
    return rows[0]?.hash;
  }

  async deleteAuditThrough(instanceId: string, throughSeq: number): Promise<number> {
    const res = await this.pool.query('DELETE FROM audit_events WHERE instance_id = $1 AND seq <= $2', [
      instanceId,
      throughSeq,
    ]);
    return res.rowCount ?? 0;
  }

  async lastAuditBefore(instanceId: string, before: Date): Promise<number | undefined> {
    const { rows } = await this.pool.query<{ seq: string | null }>(
      'SELECT max(seq) AS seq FROM audit_events WHERE instance_id = $1 AND time < $2',
      [instanceId, before],
    );
    return rows[0]?.seq == null ? undefined : Number(rows[0].seq);
  }

  async deleteInvocationsBefore(before: Date): Promise<number> {
    const res = await this.pool.query('DELETE FROM invocation_records WHERE time < $1', [before]);
    return res.rowCount ?? 0;
  }

  async appendDigest(row: DigestRow): Promise<void> {
    try {
      await this.pool.query(
        'INSERT INTO audit_digests (seq, time, key_fingerprint, body, signature) VALUES ($1, $2, $3, $4, $5)',
        [row.seq, row.time, row.keyFingerprint, row.body, row.signature],
      );
    } catch (err) {
      if ((err as { code?: string }).code === UNIQUE_VIOLATION) {
        throw new StoreConflictError(`audit digest ${row.seq} already exists`, { cause: err });
      }
      throw err;
    }
  }

  async listDigests(): Promise<DigestRow[]> {
    const { rows } = await this.pool.query<Row>(
      'SELECT seq, time, key_fingerprint, body, signature FROM audit_digests ORDER BY seq',
    );
    return rows.map((r) => ({
      seq: Number(r.seq),
      time: toDate(r.time),
      keyFingerprint: r.key_fingerprint as string,
      body: r.body as string,
      signature: r.signature as string,
    }));
  }

  async putSubjectKey(row: SubjectKeyRow): Promise<void> {
    await this.pool.query(
      'INSERT INTO subject_keys (subject, key_id, wrapped, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
      [row.subject, row.keyId, row.wrapped, row.createdAt],
    );
  }

  async getSubjectKeys(subject: string): Promise<SubjectKeyRow[]> {
    const { rows } = await this.pool.query<Row>(
      'SELECT subject, key_id, wrapped, created_at FROM subject_keys WHERE subject = $1',
      [subject],
    );
    return rows.map((r) => ({
      subject: r.subject as string,
      keyId: r.key_id as string,
      wrapped: r.wrapped as string,
      createdAt: toDate(r.created_at),
    }));
  }

  async deleteSubjectKeys(subject: string): Promise<number> {
    const res = await this.pool.query('DELETE FROM subject_keys WHERE subject = $1', [subject]);
    return res.rowCount ?? 0;
  }

  async withLock<T>(name: string, fn: () => Promise<T>): Promise<T | undefined> {
    // Session-level advisory lock on one dedicated connection, held while fn runs; the schema is part of the key so
    // separate deployments in one database do not exclude each other.
    const client = await this.pool.connect();
    try {
      const { rows } = await client.query<{ ok: boolean }>(
        "SELECT pg_try_advisory_lock(hashtext('rampart.records:' || coalesce(current_schema(), '') || ':' || $1)) AS ok",
        [name],
      );
      if (!rows[0]?.ok) return undefined;
      try {
        return await fn();
      } finally {
        await client.query(
          "SELECT pg_advisory_unlock(hashtext('rampart.records:' || coalesce(current_schema(), '') || ':' || $1))",
          [name],
        );
      }
    } finally {
      client.release();
    }
  }
}
