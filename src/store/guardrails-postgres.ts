/** API-created guardrails on PostgreSQL (see guardrails-types.ts). */
import type pg from 'pg';
import {
  checkInstant,
  checkNewGuardrail,
  GUARDRAIL_COLS as COLS,
  guardrailFromRow,
  versionColumn,
  versionName,
  type GuardrailRow,
  type GuardrailStore,
} from './guardrails-types.js';
import { StoreConflictError } from './types.js';

type Row = Record<string, unknown>;
const toDate = (raw: unknown) => (raw instanceof Date ? raw : new Date(raw as string));
const isUnique = (err: unknown) => err instanceof Error && (err as Error & { code?: string }).code === '23505';

const fromRow = (r: Row): GuardrailRow => guardrailFromRow(r, toDate);

export class PgGuardrails implements GuardrailStore {
  constructor(private readonly pool: pg.Pool) {}

  async insert(row: GuardrailRow): Promise<void> {
    checkNewGuardrail(row);
    try {
      await this.pool.query(`INSERT INTO guardrails (${COLS}) VALUES ($1, 0, $2, $3, $4, $5)`, [
        row.id, row.definition, row.description ?? null, row.createdAt, row.updatedAt,
      ]);
    } catch (err) {
      if (isUnique(err)) throw new StoreConflictError(`guardrail ${row.id} already exists`, { cause: err });
      throw err;
    }
  }

  async replaceDraft(id: string, definition: string, at: Date): Promise<GuardrailRow | undefined> {
    checkInstant(at, 'updatedAt');
    const { rows } = await this.pool.query<Row>(
      `UPDATE guardrails SET definition = $1, updated_at = $2 WHERE id = $3 AND version = 0 RETURNING ${COLS}`,
      [definition, at, id],
    );
    return rows[0] && fromRow(rows[0]);
  }

  async snapshot(id: string, description: string | undefined, at: Date): Promise<GuardrailRow | undefined> {
    checkInstant(at, 'createdAt');
    const client = await this.pool.connect();
    try {
      // Locking the DRAFT row queues concurrent snapshots of one guardrail (and a concurrent replaceDraft). Under
      // READ COMMITTED the INSERT below takes a fresh snapshot once the lock is ours, so MAX(version) already counts
      // the version the previous holder committed. The isolation level is named in case the database defaults to
      // a stricter one, where that snapshot would be stale and the insert would hit the primary key.
      await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
      const locked = await client.query('SELECT 1 FROM guardrails WHERE id = $1 AND version = 0 FOR UPDATE', [id]);
      if (!locked.rowCount) {
        await client.query('ROLLBACK');
        return undefined;
      }
      const { rows } = await client.query<Row>(
        `INSERT INTO guardrails (${COLS}) ` +
          'SELECT id, (SELECT MAX(version) + 1 FROM guardrails WHERE id = $1), definition, $2, $3, $3 ' +
          `FROM guardrails WHERE id = $1 AND version = 0 RETURNING ${COLS}`,
        [id, description ?? null, at],
      );
      await client.query('COMMIT');
      return fromRow(rows[0]);
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async get(id: string, version: string): Promise<GuardrailRow | undefined> {
    const n = versionColumn(version);
    if (n === undefined) return undefined;
    const { rows } = await this.pool.query<Row>(`SELECT ${COLS} FROM guardrails WHERE id = $1 AND version = $2`, [id, n]);
    return rows[0] && fromRow(rows[0]);
  }

  async versions(id: string): Promise<string[]> {
    const { rows } = await this.pool.query<Row>('SELECT version FROM guardrails WHERE id = $1 ORDER BY version', [id]);
    return rows.map((r) => versionName(Number(r.version)));
  }

  async ids(): Promise<string[]> {
    // COLLATE "C": the same byte order as SQLite, whatever the database's locale.
    const { rows } = await this.pool.query<Row>('SELECT id FROM guardrails WHERE version = 0 ORDER BY id COLLATE "C"');
    return rows.map((r) => r.id as string);
  }
}
