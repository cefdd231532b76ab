/** API-created guardrails on SQLite (see guardrails-types.ts). */
import type Database from 'better-sqlite3';
import { StatementCache, mapSqliteError } from './sqlite/db.js';
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

type Row = Record<string, unknown>;

const fromRow = (r: Row): GuardrailRow => guardrailFromRow(r, (raw) => new Date(raw as number));

export class SqliteGuardrails implements GuardrailStore {
  constructor(
    private readonly db: Database.Database,
    private readonly stmts: StatementCache,
  ) {}

  async insert(row: GuardrailRow): Promise<void> {
    checkNewGuardrail(row);
    try {
      this.stmts
        .get(`INSERT INTO guardrails (${COLS}) VALUES (?, 0, ?, ?, ?, ?)`)
        .run(row.id, row.definition, row.description ?? null, row.createdAt.getTime(), row.updatedAt.getTime());
    } catch (err) {
      throw mapSqliteError(err, `guardrail ${row.id}`);
    }
  }

  async replaceDraft(id: string, definition: string, at: Date): Promise<GuardrailRow | undefined> {
    checkInstant(at, 'updatedAt');
    const row = this.stmts
      .get(`UPDATE guardrails SET definition = ?, updated_at = ? WHERE id = ? AND version = 0 RETURNING ${COLS}`)
      .get(definition, at.getTime(), id) as Row | undefined;
    return row && fromRow(row);
  }

  async snapshot(id: string, description: string | undefined, at: Date): Promise<GuardrailRow | undefined> {
    checkInstant(at, 'createdAt');
    const copy = this.stmts.get(
      `INSERT INTO guardrails (${COLS}) ` +
        'SELECT id, (SELECT MAX(version) + 1 FROM guardrails WHERE id = ?), definition, ?, ?, ? ' +
        `FROM guardrails WHERE id = ? AND version = 0 RETURNING ${COLS}`,
    );
    const ms = at.getTime();
    // IMMEDIATE takes the write lock before MAX(version) is read, so another process cannot take the same number
    // in between (a deferred transaction would fail with SQLITE_BUSY_SNAPSHOT instead of waiting).
    const row = this.db
      .transaction(() => copy.get(id, description ?? null, ms, ms, id) as Row | undefined)
      .immediate();
    return row && fromRow(row);
  }

  async get(id: string, version: string): Promise<GuardrailRow | undefined> {
    const n = versionColumn(version);
    if (n === undefined) return undefined;
    const row = this.stmts.get(`SELECT ${COLS} FROM guardrails WHERE id = ? AND version = ?`).get(id, n) as Row | undefined;
    return row && fromRow(row);
  }

  async versions(id: string): Promise<string[]> {
    const rows = this.stmts.get('SELECT version FROM guardrails WHERE id = ? ORDER BY version').all(id) as Row[];
    return rows.map((r) => versionName(r.version as number));
  }

  async ids(): Promise<string[]> {
    const rows = this.stmts.get('SELECT id FROM guardrails WHERE version = 0 ORDER BY id').all() as Row[];
    return rows.map((r) => r.id as string);
  }
}
