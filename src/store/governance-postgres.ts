/** Governance tables on PostgreSQL (see governance-types.ts). */
import type pg from 'pg';
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
const toDate = (raw: unknown) => (raw instanceof Date ? raw : new Date(raw as string));

function docFromRow(r: Row): GovernanceDoc {
  return {
    kind: r.kind as GovernanceDocKind,
    id: r.id as string,
    version: Number(r.version),
    updatedAt: toDate(r.updated_at),
    body: r.body as string,
  };
}

function assessmentFromRow(r: Row): AssessmentRow {
  const out: AssessmentRow = { id: r.id as string, time: toDate(r.time), body: r.body as string };
  if (r.application !== null) out.application = r.application as string;
  if (r.model !== null) out.model = r.model as string;
  return out;
}

const isUnique = (err: unknown) => err instanceof Error && (err as Error & { code?: string }).code === '23505';

export class PgGovernance implements GovernanceStore {
  constructor(private readonly pool: pg.Pool) {}

  async getDoc(kind: GovernanceDocKind, id: string): Promise<GovernanceDoc | undefined> {
    const { rows } = await this.pool.query<Row>(
      'SELECT kind, id, version, updated_at, body FROM governance_docs WHERE kind = $1 AND id = $2',
      [kind, id],
    );
    return rows[0] && docFromRow(rows[0]);
  }

  async listDocs(kind: GovernanceDocKind): Promise<GovernanceDoc[]> {
    // COLLATE "C": the same byte order as SQLite, whatever the database's locale.
    const { rows } = await this.pool.query<Row>(
      'SELECT kind, id, version, updated_at, body FROM governance_docs WHERE kind = $1 ORDER BY id COLLATE "C"',
      [kind],
    );
    return rows.map(docFromRow);
  }

  async putDoc(kind: GovernanceDocKind, id: string, body: string, expectedVersion: number, at = new Date()): Promise<number> {
    const next = expectedVersion + 1;
    let count: number | null;
    if (expectedVersion === 0) {
      try {
        ({ rowCount: count } = await this.pool.query(
          'INSERT INTO governance_docs (kind, id, version, updated_at, body) VALUES ($1, $2, 1, $3, $4)',
          [kind, id, at, body],
        ));
      } catch (err) {
        if (isUnique(err)) throw new StoreConflictError(`${kind} ${id} already exists`, { cause: err });
        throw err;
      }
    } else {
      ({ rowCount: count } = await this.pool.query(
        'UPDATE governance_docs SET body = $1, version = $2, updated_at = $3 WHERE kind = $4 AND id = $5 AND version = $6',
        [body, next, at, kind, id, expectedVersion],
      ));
    }
    if (!count) throw new StoreConflictError(`${kind} ${id} changed since version ${expectedVersion}`);
    return next;
  }

  async deleteDoc(kind: GovernanceDocKind, id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('DELETE FROM governance_docs WHERE kind = $1 AND id = $2', [kind, id]);
    return (rowCount ?? 0) > 0;
  }

  async insertAssessment(row: AssessmentRow): Promise<void> {
    try {
      await this.pool.query(
        'INSERT INTO governance_assessments (id, time, application, model, body) VALUES ($1, $2, $3, $4, $5)',
        [row.id, row.time, row.application ?? null, row.model ?? null, row.body],
      );
    } catch (err) {
      if (isUnique(err)) throw new StoreConflictError(`assessment ${row.id} already exists`, { cause: err });
      throw err;
    }
  }

  async listAssessments(f: AssessmentFilter): Promise<AssessmentRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, v: unknown) => { params.push(v); where.push(`${sql} $${params.length}`); };
    if (f.application !== undefined) add('application =', f.application);
    if (f.model !== undefined) add('model =', f.model);
    if (f.since !== undefined) add('time >=', f.since);
    if (f.until !== undefined) add('time <', f.until);
    params.push(assessmentLimit(f.limit));
    const sql =
      'SELECT id, time, application, model, body FROM governance_assessments' +
      (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
      ` ORDER BY time DESC, id DESC LIMIT $${params.length}`;
    const { rows } = await this.pool.query<Row>(sql, params);
    return rows.map(assessmentFromRow);
  }
}
