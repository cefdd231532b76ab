/** Records tables on SQLite (see records-types.ts). Synchronous driver; batches go in one transaction. */
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { StatementCache, mapSqliteError } from './sqlite/db.js';
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

type Row = Record<string, unknown>;
const ms = (d: Date) => d.getTime();
const toDate = (raw: unknown) => new Date(raw as number);
const bool = (b: boolean) => (b ? 1 : 0);
const ph = () => '?';
const MAX_CHUNK = 64;
/** A lease outlives any digest or retention run; a crashed holder's lease lapses after it. */
const LEASE_MS = 120_000;

export class SqliteRecords implements RecordsStore {
  private readonly holder = randomUUID();
  private chainStmt: Database.Statement<unknown[], unknown> | undefined;
  private readonly inserts = new Map<string, Database.Statement<unknown[], unknown>>();

  constructor(
    private readonly db: Database.Database,
    private readonly stmts: StatementCache,
  ) {}

  async readChain(instanceId: string, afterSeq: number, limit: number): Promise<Array<[number, string, string, string]>> {
    // Prepared lazily (the table exists only after migrate) and kept apart from the cache: raw mode is per statement.
    this.chainStmt ??= this.db
      .prepare('SELECT seq, hash, body, event_name FROM audit_events WHERE instance_id = ? AND seq > ? ORDER BY seq LIMIT ?')
      .raw(true);
    return this.chainStmt.all(instanceId, afterSeq, limit) as Array<[number, string, string, string]>;
  }

  async insertInvocations(rows: InvocationRow[]): Promise<void> {
    await this.writeBatch({ audit: [], invocations: rows });
  }

  /** Both tables in one transaction: one commit per batch. */
  async writeBatch(batch: { audit: AuditRow[]; invocations: InvocationRow[] }): Promise<void> {
    if (batch.audit.length === 0 && batch.invocations.length === 0) return;
    // Encoded (and validated) before the transaction opens: a bad row fails the batch without touching the file.
    const audit: unknown[] = [];
    for (const r of batch.audit) auditParams(r, ms, bool, audit);
    const invocations: unknown[] = [];
    for (const r of batch.invocations) invocationParams(r, ms, invocations);
    this.db.transaction(() => {
      this.insertRows('audit_events', AUDIT_COLS, 13, audit);
      this.insertRows('invocation_records', INV_COLS, 14, invocations);
    })();
  }

  /**
   * Multi-row INSERTs of 64, 32, ..., 1 rows (each statement prepared once): about a fifth less CPU than one
   * statement per row, as each step, reset and call into the driver then covers many rows.
   */
  private insertRows(table: string, cols: string, n: number, values: unknown[]): void {
    const rows = values.length / n;
    for (let i = 0, size = MAX_CHUNK; i < rows; i += size) {
      while (size > rows - i) size >>= 1;
      const key = `${table}:${size}`;
      let stmt = this.inserts.get(key);
      if (!stmt) {
        const tuples = Array.from({ length: size }, () => `(${q(n)})`).join(', ');
        stmt = this.db.prepare(`INSERT OR IGNORE INTO ${table} (${cols}) VALUES ${tuples}`);
        this.inserts.set(key, stmt);
      }
      stmt.run(values.slice(i * n, (i + size) * n));
    }
  }

  async queryInvocations(filter: RecordsFilter): Promise<InvocationRow[]> {
    const w = whereClause(filter, 'invocation', ph, ms);
    const rows = this.stmts
      .get(`SELECT ${INV_COLS} FROM invocation_records${w.sql} ORDER BY time DESC, request_id DESC LIMIT ?`)
      .all(...w.params, w.limit) as Row[];
    return rows.map((r) => invocationFromRow(r, toDate));
  }

  async getInvocation(requestId: string): Promise<InvocationRow | undefined> {
    const row = this.stmts.get(`SELECT ${INV_COLS} FROM invocation_records WHERE request_id = ?`).get(requestId) as
      | Row
      | undefined;
    return row && invocationFromRow(row, toDate);
  }

  async appendAudit(rows: AuditRow[]): Promise<void> {
    await this.writeBatch({ audit: rows, invocations: [] });
  }

  async queryAudit(filter: RecordsFilter): Promise<AuditRow[]> {
    const w = whereClause(filter, 'audit', ph, ms);
    const rows = this.stmts
      .get(`SELECT ${AUDIT_COLS} FROM audit_events${w.sql} ORDER BY time DESC, seq DESC LIMIT ?`)
      .all(...w.params, w.limit) as Row[];
    return rows.map((r) => auditFromRow(r, toDate));
  }

  async readAudit(instanceId: string, afterSeq: number, limit: number): Promise<AuditRow[]> {
    const rows = this.stmts
      .get(`SELECT ${AUDIT_COLS} FROM audit_events WHERE instance_id = ? AND seq > ? ORDER BY seq LIMIT ?`)
      .all(instanceId, afterSeq, limit) as Row[];
    return rows.map((r) => auditFromRow(r, toDate));
  }

  async auditHeads(): Promise<Array<{ instanceId: string; firstSeq: number; lastSeq: number; lastHash: string }>> {
    const rows = this.stmts
      .get(
        'SELECT h.instance_id, h.first_seq, h.last_seq, e.hash FROM ' +
          '(SELECT instance_id, min(seq) AS first_seq, max(seq) AS last_seq FROM audit_events GROUP BY instance_id) h ' +
          'JOIN audit_events e ON e.instance_id = h.instance_id AND e.seq = h.last_seq ORDER BY h.instance_id',
      )
      .all() as Row[];
    return rows.map((r) => ({
      instanceId: r.instance_id as string,
      firstSeq: Number(r.first_seq),
      lastSeq: Number(r.last_seq),
      lastHash: r.hash as string,
    }));
  }

  async auditHead(instanceId: string): Promise<{ seq: number; hash: string } | undefined> {
    const row = this.stmts
      .get('SELECT seq, hash FROM audit_events WHERE instance_id = ? ORDER BY seq DESC LIMIT 1')
      .get(instanceId) as { seq: number; hash: string } | undefined;
    return row && { seq: Number(row.seq), hash: row.hash };
  }

  async auditHash(instanceId: string, seq: number): Promise<string | undefined> {
    const row = this.stmts.get('SELECT hash FROM audit_events WHERE instance_id = ? AND seq = ?').get(instanceId, seq) as
      | { hash: string }
      | undefined;
    return row?.hash;
  }

  async deleteAuditThrough(instanceId: string, throughSeq: number): Promise<number> {
    return this.stmts.get('DELETE FROM audit_events WHERE instance_id = ? AND seq <= ?').run(instanceId, throughSeq)
      .changes;
  }

  async lastAuditBefore(instanceId: string, before: Date): Promise<number | undefined> {
    const row = this.stmts
      .get('SELECT max(seq) AS seq FROM audit_events WHERE instance_id = ? AND time < ?')
      .get(instanceId, ms(before)) as { seq: number | null };
    return row.seq ?? undefined;
  }

  async deleteInvocationsBefore(before: Date): Promise<number> {
    return this.stmts.get('DELETE FROM invocation_records WHERE time < ?').run(ms(before)).changes;
  }

  async appendDigest(row: DigestRow): Promise<void> {
    try {
      this.stmts
        .get('INSERT INTO audit_digests (seq, time, key_fingerprint, body, signature) VALUES (?, ?, ?, ?, ?)')
        .run(row.seq, ms(row.time), row.keyFingerprint, row.body, row.signature);
    } catch (err) {
      throw mapSqliteError(err, `audit digest ${row.seq}`);
    }
  }

  async listDigests(): Promise<DigestRow[]> {
    const rows = this.stmts
      .get('SELECT seq, time, key_fingerprint, body, signature FROM audit_digests ORDER BY seq')
      .all() as Row[];
    return rows.map((r) => ({
      seq: Number(r.seq),
      time: toDate(r.time),
      keyFingerprint: r.key_fingerprint as string,
      body: r.body as string,
      signature: r.signature as string,
    }));
  }

  async putSubjectKey(row: SubjectKeyRow): Promise<void> {
    this.stmts
      .get('INSERT OR IGNORE INTO subject_keys (subject, key_id, wrapped, created_at) VALUES (?, ?, ?, ?)')
      .run(row.subject, row.keyId, row.wrapped, ms(row.createdAt));
  }

  async getSubjectKeys(subject: string): Promise<SubjectKeyRow[]> {
    const rows = this.stmts
      .get('SELECT subject, key_id, wrapped, created_at FROM subject_keys WHERE subject = ?')
      .all(subject) as Row[];
    return rows.map((r) => ({
      subject: r.subject as string,
      keyId: r.key_id as string,
      wrapped: r.wrapped as string,
      createdAt: toDate(r.created_at),
    }));
  }

  async deleteSubjectKeys(subject: string): Promise<number> {
    return this.stmts.get('DELETE FROM subject_keys WHERE subject = ?').run(subject).changes;
  }

  async withLock<T>(name: string, fn: () => Promise<T>): Promise<T | undefined> {
    const now = Date.now();
    const took = this.stmts
      .get(
        'INSERT INTO record_locks (name, holder, until) VALUES (?, ?, ?) ' +
          'ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until ' +
          'WHERE record_locks.until < ? OR record_locks.holder = excluded.holder',
      )
      .run(name, this.holder, now + LEASE_MS, now).changes;
    if (took === 0) return undefined;
    try {
      return await fn();
    } finally {
      this.stmts.get('DELETE FROM record_locks WHERE name = ? AND holder = ?').run(name, this.holder);
    }
  }
}

function q(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}
