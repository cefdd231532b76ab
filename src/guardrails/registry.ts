import { randomBytes } from 'node:crypto';
import { parseGuardrailDefinition, type GuardrailDefinition } from './schema.js';
import { compileGuardrail, type CompiledGuardrail, type DetectorKit } from './compile.js';
import {
  RESYNC_TOPIC,
  StoreConflictError,
  type ChangeChannel,
  type GuardrailRow,
  type GuardrailStore,
} from '../store/types.js';

/**
 * Guardrail definitions and their versions, as Bedrock has them: one mutable DRAFT per guardrail
 * and immutable numbered snapshots ('1', '2', ...) made by createVersion. The repository is the
 * storage seam (the store's guardrail table in the gateway, memory in tests); the registry adds
 * validation and a compiled-evaluator cache on top.
 */

export const DRAFT = 'DRAFT';

/** Announced on the store's change channel when a DRAFT changes, so other instances drop their DRAFT evaluators. */
export const GUARDRAILS_TOPIC = 'guardrails';

export interface GuardrailRecord {
  id: string;
  /** 'DRAFT' or a numbered version. */
  version: string;
  definition: GuardrailDefinition;
  /** Version description given to createVersion. */
  description?: string;
  createdAt: Date;
  updatedAt: Date;
}

/** The contract of src/store/guardrails-types.ts with parsed definitions; repository.test.ts holds its conformance suite. */
export interface GuardrailRepository {
  /** Stores a new guardrail as its DRAFT; StoreConflictError when the id exists. */
  insert(rec: GuardrailRecord): Promise<void>;
  /** Replaces the DRAFT of an existing guardrail. */
  replaceDraft(id: string, definition: GuardrailDefinition, at: Date): Promise<GuardrailRecord | undefined>;
  /** Atomically snapshots the DRAFT as the next number; undefined when there is no such guardrail. */
  snapshot(id: string, description: string | undefined, at: Date): Promise<GuardrailRecord | undefined>;
  get(id: string, version: string): Promise<GuardrailRecord | undefined>;
  /** DRAFT first, then the numbers ascending. */
  versions(id: string): Promise<string[]>;
  /** Ordered by id. */
  ids(): Promise<string[]>;
}

/** One process only: for tests and tools that need no persistence. */
export class MemoryGuardrailRepository implements GuardrailRepository {
  /** Per id: the DRAFT at index 0, version n at index n. */
  private readonly rows = new Map<string, GuardrailRecord[]>();

  async insert(rec: GuardrailRecord): Promise<void> {
    if (rec.version !== DRAFT) throw new TypeError(`a new guardrail starts as its DRAFT, not version ${rec.version}`);
    if (this.rows.has(rec.id)) throw new StoreConflictError(`guardrail ${rec.id} already exists`);
    this.rows.set(rec.id, [structuredClone(rec)]);
  }

  async replaceDraft(id: string, definition: GuardrailDefinition, at: Date): Promise<GuardrailRecord | undefined> {
    const draft = this.rows.get(id)?.[0];
    if (!draft) return undefined;
    draft.definition = structuredClone(definition);
    draft.updatedAt = at;
    return structuredClone(draft);
  }

  async snapshot(id: string, description: string | undefined, at: Date): Promise<GuardrailRecord | undefined> {
    const list = this.rows.get(id);
    if (!list) return undefined;
    const rec: GuardrailRecord = { id, version: String(list.length), definition: structuredClone(list[0].definition), createdAt: at, updatedAt: at };
    if (description !== undefined) rec.description = description;
    list.push(rec);
    return structuredClone(rec);
  }

  async get(id: string, version: string): Promise<GuardrailRecord | undefined> {
    const list = this.rows.get(id);
    if (!list) return undefined;
    const rec = version === DRAFT ? list[0] : /^[1-9]\d*$/.test(version) ? list[Number(version)] : undefined;
    return rec && structuredClone(rec);
  }

  async versions(id: string): Promise<string[]> {
    return (this.rows.get(id) ?? []).map((r) => r.version);
  }

  async ids(): Promise<string[]> {
    return [...this.rows.keys()].sort();
  }
}

/**
 * The store's guardrail table (SQLite or PostgreSQL) as a repository. Definitions are stored as JSON and parsed
 * again on the way out: the database is outside the type system, and another build may have written the row.
 */
export class StoreGuardrailRepository implements GuardrailRepository {
  constructor(private readonly store: GuardrailStore) {}

  async insert(rec: GuardrailRecord): Promise<void> {
    await this.store.insert({ ...rec, definition: JSON.stringify(rec.definition) });
  }

  async replaceDraft(id: string, definition: GuardrailDefinition, at: Date): Promise<GuardrailRecord | undefined> {
    return fromRow(await this.store.replaceDraft(id, JSON.stringify(definition), at));
  }

  async snapshot(id: string, description: string | undefined, at: Date): Promise<GuardrailRecord | undefined> {
    return fromRow(await this.store.snapshot(id, description, at));
  }

  async get(id: string, version: string): Promise<GuardrailRecord | undefined> {
    return fromRow(await this.store.get(id, version));
  }

  versions(id: string): Promise<string[]> {
    return this.store.versions(id);
  }

  ids(): Promise<string[]> {
    return this.store.ids();
  }
}

function fromRow(row: GuardrailRow | undefined): GuardrailRecord | undefined {
  if (!row) return undefined;
  let definition: GuardrailDefinition;
  try {
    definition = parseGuardrailDefinition(JSON.parse(row.definition));
  } catch (err) {
    // Not a GuardrailConfigError: the admin API would report that as the caller's bad request.
    throw new Error(`stored guardrail ${row.id} version ${row.version} is not a valid definition`, { cause: err });
  }
  return { ...row, definition };
}

/** Bedrock-style id: 12 lowercase letters and digits. */
export function newGuardrailId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  for (const b of randomBytes(12)) s += alphabet[b % alphabet.length];
  return s;
}

export interface GuardrailRegistryOptions {
  /**
   * The store's change channel: DRAFT changes are announced on it and, heard from other instances, drop this
   * registry's DRAFT evaluators. Without it, a DRAFT changed elsewhere stays cached here.
   */
  changes?: ChangeChannel;
}

export class GuardrailRegistry {
  /** Numbered versions never change, so their evaluators are cached for good (key: id NUL version). */
  private readonly numbered = new Map<string, CompiledGuardrail>();
  /** DRAFT evaluators by id, until a DRAFT changes here or on another instance. */
  private readonly drafts = new Map<string, CompiledGuardrail>();
  /** Counts DRAFT invalidations, so a DRAFT read before one is not cached after it. */
  private draftGeneration = 0;
  private readonly changes: ChangeChannel | undefined;
  private readonly unsubscribe: (() => void) | undefined;

  constructor(
    private readonly repo: GuardrailRepository,
    private readonly kit: DetectorKit,
    opts: GuardrailRegistryOptions = {},
  ) {
    this.changes = opts.changes;
    // The topic does not say which DRAFT changed; recompiling the others on their next use is cheap and rare.
    this.unsubscribe = opts.changes?.subscribe((topic) => {
      if (topic === GUARDRAILS_TOPIC || topic === RESYNC_TOPIC) this.dropDrafts();
    });
  }

  /** Validates (and test-compiles, so detectors refuse bad options now) and stores a new DRAFT. */
  async create(raw: unknown, opts: { id?: string } = {}): Promise<GuardrailRecord> {
    const definition = parseGuardrailDefinition(raw);
    const id = opts.id ?? newGuardrailId();
    compileGuardrail(definition, { id, version: DRAFT, kit: this.kit });
    const at = new Date();
    const rec: GuardrailRecord = { id, version: DRAFT, definition, createdAt: at, updatedAt: at };
    await this.repo.insert(rec);
    return rec;
  }

  async updateDraft(id: string, raw: unknown): Promise<GuardrailRecord | undefined> {
    const definition = parseGuardrailDefinition(raw);
    compileGuardrail(definition, { id, version: DRAFT, kit: this.kit });
    const rec = await this.repo.replaceDraft(id, definition, new Date());
    if (!rec) return undefined;
    this.dropDrafts();
    await this.changes?.publish(GUARDRAILS_TOPIC);
    return rec;
  }

  async createVersion(id: string, description?: string): Promise<GuardrailRecord | undefined> {
    return this.repo.snapshot(id, description, new Date());
  }

  async get(id: string, version: string = DRAFT): Promise<GuardrailRecord | undefined> {
    return this.repo.get(id, version);
  }

  async versions(id: string): Promise<string[]> {
    return this.repo.versions(id);
  }

  /** The evaluator for id@version, or undefined when there is no such guardrail or version. */
  async resolve(id: string, version: string = DRAFT): Promise<CompiledGuardrail | undefined> {
    const isDraft = version === DRAFT;
    const key = isDraft ? id : `${id}\u0000${version}`;
    const cache = isDraft ? this.drafts : this.numbered;
    const hit = cache.get(key);
    if (hit) return hit;
    const generation = this.draftGeneration;
    const rec = await this.repo.get(id, version);
    if (!rec) return undefined;
    const c = compileGuardrail(rec.definition, { id, version: rec.version, kit: this.kit });
    // A DRAFT that changed while it was being read may be the old one: this caller gets it, the cache does not.
    if (!isDraft || generation === this.draftGeneration) cache.set(key, c);
    return c;
  }

  /** Stops following the change channel. */
  close(): void {
    this.unsubscribe?.();
  }

  private dropDrafts(): void {
    this.draftGeneration++;
    this.drafts.clear();
  }
}
