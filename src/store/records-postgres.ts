/**
 * Records tables on PostgreSQL (see records-types.ts). A batch of up to 2,000 rows is one multi-row INSERT (one round
 * trip); ON CONFLICT DO NOTHING makes a replayed spool harmless.
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
const ph = (n: number) => `$${n}`;

const INV_N = 14;
const AUDIT_N = 13;
/**
 * Multi-row VALUES with one parameter per field: pg sends each parameter as-is, whereas array parameters (unnest)
 * must escape every 1-2 KB body into an array literal, which cost more CPU than the insert itself.
 */
const CHUNK = 2000;
const valuesSql = (rows: number, cols: number, casts: string[]) =>
  Array.from({ length: rows }, (_, r) => `(${casts.map((c, i) => `$${r * cols + i + 1}${c}`).join(', ')})`).join(', ');
const INV_CASTS = ['', '::timestamptz', '', '', '', '', '', '::integer', '', '', '', '', '', ''];
const AUDIT_CASTS = ['', '::bigint', '', '::timestamptz', '', '', '', '', '', '::boolean', '', '', ''];
const sqlCache = new Map<string, string>();
function insertSql(table: 'invocation_records' | 'audit_events', rows: number): string {
  const key = `${table}:${rows}`;
  let sql = sqlCache.get(key);
  if (!sql) {
    const [cols, n, casts] = table === 'invocation_records' ? [INV_COLS, INV_N, INV_CASTS] : [AUDIT_COLS, AUDIT_N, AUDIT_CASTS];
    sql = `INSERT INTO ${table} (${cols}) VALUES ${valuesSql(rows, n, casts)} ON CONFLICT DO NOTHING`;
    if (sqlCache.size < 64) sqlCache.set(key, sql);
  }
  return sql;
}

export class PgRecords implements RecordsStore {
  constructor(private readonly pool: pg.Pool) {}

  async insertInvocations(rows: InvocationRow[]): Promise<void> {
    const params = rows.map((r) => invocationParams(r, id));
    for (let i = 0; i < params.length; i += CHUNK) {
      const chunk = params.slice(i, i + CHUNK);
      await this.pool.query(insertSql('invocation_records', chunk.length), chunk.flat());
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

  async appendAudit(rows: AuditRow[]): Promise<void> {
    const params = rows.map((r) => auditParams(r, id, id));
    for (let i = 0; i < params.length; i += CHUNK) {
      const chunk = params.slice(i, i + CHUNK);
      await this.pool.query(insertSql('audit_events', chunk.length), chunk.flat());
    }
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
      if ((err as { code?: string }).code === '23505') {
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
