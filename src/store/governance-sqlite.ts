/** Governance tables on SQLite (see governance-types.ts). */
import type Database from 'better-sqlite3';
import { StatementCache, mapSqliteError } from './sqlite/db.js';
import {
  assessmentLimit,
  type AssessmentFilter,
  type AssessmentRow,
  type GovernanceDoc,
  type GovernanceDocKind,
  type GovernanceStore,
} from './governance-types.js';
import { StoreConflictError } from './types.js';

type Row = Record<string, unknown>;

function docFromRow(r: Row): GovernanceDoc {
  return {
    kind: r.kind as GovernanceDocKind,
    id: r.id as string,
    version: r.version as number,
    updatedAt: new Date(r.updated_at as number),
    body: r.body as string,
  };
}

function assessmentFromRow(r: Row): AssessmentRow {
  const out: AssessmentRow = { id: r.id as string, time: new Date(r.time as number), body: r.body as string };
  if (r.application !== null) out.application = r.application as string;
  if (r.model !== null) out.model = r.model as string;
  return out;
}

export class SqliteGovernance implements GovernanceStore {
  constructor(
    private readonly db: Database.Database,
    private readonly stmts: StatementCache,
  ) {}

  async getDoc(kind: GovernanceDocKind, id: string): Promise<GovernanceDoc | undefined> {
    const row = this.stmts
      .get('SELECT kind, id, version, updated_at, body FROM governance_docs WHERE kind = ? AND id = ?')
      .get(kind, id) as Row | undefined;
    return row && docFromRow(row);
  }

  async listDocs(kind: GovernanceDocKind): Promise<GovernanceDoc[]> {
    const rows = this.stmts
      .get('SELECT kind, id, version, updated_at, body FROM governance_docs WHERE kind = ? ORDER BY id')
      .all(kind) as Row[];
    return rows.map(docFromRow);
  }

  async putDoc(kind: GovernanceDocKind, id: string, body: string, expectedVersion: number, at = new Date()): Promise<number> {
    const next = expectedVersion + 1;
    const changed =
      expectedVersion === 0
        ? this.insertNew(kind, id, body, at)
        : this.stmts
            .get('UPDATE governance_docs SET body = ?, version = ?, updated_at = ? WHERE kind = ? AND id = ? AND version = ?')
            .run(body, next, at.getTime(), kind, id, expectedVersion).changes;
    if (changed === 0) throw new StoreConflictError(`${kind} ${id} changed since version ${expectedVersion}`);
    return next;
  }

  private insertNew(kind: GovernanceDocKind, id: string, body: string, at: Date): number {
    try {
      return this.stmts
        .get('INSERT INTO governance_docs (kind, id, version, updated_at, body) VALUES (?, ?, 1, ?, ?)')
        .run(kind, id, at.getTime(), body).changes;
    } catch (err) {
      throw mapSqliteError(err, `${kind} ${id}`);
    }
  }

  async deleteDoc(kind: GovernanceDocKind, id: string): Promise<boolean> {
    return this.stmts.get('DELETE FROM governance_docs WHERE kind = ? AND id = ?').run(kind, id).changes > 0;
  }

  async insertAssessment(row: AssessmentRow): Promise<void> {
    try {
      this.stmts
        .get('INSERT INTO governance_assessments (id, time, application, model, body) VALUES (?, ?, ?, ?, ?)')
        .run(row.id, row.time.getTime(), row.application ?? null, row.model ?? null, row.body);
    } catch (err) {
      throw mapSqliteError(err, `assessment ${row.id}`);
    }
  }

  async listAssessments(f: AssessmentFilter): Promise<AssessmentRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (f.application !== undefined) { where.push('application = ?'); params.push(f.application); }
    if (f.model !== undefined) { where.push('model = ?'); params.push(f.model); }
    if (f.since !== undefined) { where.push('time >= ?'); params.push(f.since.getTime()); }
    if (f.until !== undefined) { where.push('time < ?'); params.push(f.until.getTime()); }
    const sql =
      'SELECT id, time, application, model, body FROM governance_assessments' +
      (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
      ' ORDER BY time DESC, id DESC LIMIT ?';
    return (this.stmts.get(sql).all(...params, assessmentLimit(f.limit)) as Row[]).map(assessmentFromRow);
  }
}

