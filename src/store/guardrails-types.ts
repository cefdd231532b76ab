/**
 * Storage contract of API-created guardrails (src/guardrails/registry.ts), versioned as Bedrock versions them: one
 * mutable DRAFT per guardrail and immutable numbered snapshots ('1', '2', ...). The definition is JSON text: the
 * guardrails library parses and validates it on the way in and out, the store only keeps it.
 */

export const GUARDRAIL_DRAFT = 'DRAFT';

export interface GuardrailRow {
  id: string;
  /** 'DRAFT' or '1', '2', ... */
  version: string;
  /** JSON text of the definition. */
  definition: string;
  /** The description given when the version was made. */
  description?: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface GuardrailStore {
  /** Creates a guardrail as its DRAFT (row.version must be 'DRAFT'). Fails with StoreConflictError when the id exists. */
  insert(row: GuardrailRow): Promise<void>;
  /** Replaces the DRAFT's definition; numbered versions are never touched. Undefined when there is no such guardrail. */
  replaceDraft(id: string, definition: string, at: Date): Promise<GuardrailRow | undefined>;
  /**
   * Copies the DRAFT as the next number. Atomic across instances: concurrent calls get distinct consecutive numbers.
   * Undefined when there is no such guardrail.
   */
  snapshot(id: string, description: string | undefined, at: Date): Promise<GuardrailRow | undefined>;
  /** Undefined for an unknown id or version, and for a version that is not 'DRAFT' or a number without leading 0. */
  get(id: string, version: string): Promise<GuardrailRow | undefined>;
  /** 'DRAFT' first, then the numbers in ascending order; [] for an unknown id. */
  versions(id: string): Promise<string[]>;
  /** Every guardrail's id, ordered by id. */
  ids(): Promise<string[]>;
}

/** Largest number a version column holds (PostgreSQL integer); larger names cannot exist, so they are not found. */
const MAX_VERSION = 2 ** 31 - 1;

/**
 * The column value of a version name: 0 stands for the DRAFT, n for 'n'. Undefined for anything else, so that '0',
 * '01' or '1.0' never alias an existing version.
 */
export function versionColumn(version: string): number | undefined {
  if (version === GUARDRAIL_DRAFT) return 0;
  if (!/^[1-9]\d{0,9}$/.test(version)) return undefined;
  const n = Number(version);
  return n <= MAX_VERSION ? n : undefined;
}

export function versionName(column: number): string {
  return column === 0 ? GUARDRAIL_DRAFT : String(column);
}

/** Checks what a new guardrail row must be before either dialect writes it. */
export function checkNewGuardrail(row: GuardrailRow): void {
  if (row.version !== GUARDRAIL_DRAFT) throw new TypeError(`store: a new guardrail starts as its DRAFT, not version ${row.version}`);
  checkInstant(row.createdAt, 'createdAt');
  checkInstant(row.updatedAt, 'updatedAt');
}

export function checkInstant(at: Date, what: string): void {
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw new TypeError(`store: guardrail ${what} must be a valid Date`);
}

/** The guardrails table's columns, in the order both backends select them. */
export const GUARDRAIL_COLS = 'id, version, definition, description, created_at, updated_at';

/** A selected row as a GuardrailRow; `toDate` reads the backend's timestamp column. */
export function guardrailFromRow(r: Record<string, unknown>, toDate: (raw: unknown) => Date): GuardrailRow {
  const out: GuardrailRow = {
    id: r.id as string,
    version: versionName(Number(r.version)),
    definition: r.definition as string,
    createdAt: toDate(r.created_at),
    updatedAt: toDate(r.updated_at),
  };
  if (r.description !== null) out.description = r.description as string;
  return out;
}
