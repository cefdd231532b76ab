import { randomBytes } from 'node:crypto';
import { parseGuardrailDefinition, type GuardrailDefinition } from './schema.js';
import { compileGuardrail, type CompiledGuardrail, type DetectorKit } from './compile.js';

/**
 * Guardrail definitions and their versions, as Bedrock has them: one mutable DRAFT per guardrail
 * and immutable numbered snapshots ('1', '2', ...) made by createVersion. The repository is the
 * storage seam (memory now; SQLite/PostgreSQL later implement the same async interface); the
 * registry adds validation and a compiled-evaluator cache on top.
 */

export const DRAFT = 'DRAFT';

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

export interface GuardrailRepository {
  insert(rec: GuardrailRecord): Promise<void>;
  /** Replaces the DRAFT of an existing guardrail. */
  replaceDraft(id: string, definition: GuardrailDefinition, at: Date): Promise<GuardrailRecord | undefined>;
  /** Atomically snapshots the DRAFT as the next number; undefined when there is no such guardrail. */
  snapshot(id: string, description: string | undefined, at: Date): Promise<GuardrailRecord | undefined>;
  get(id: string, version: string): Promise<GuardrailRecord | undefined>;
  versions(id: string): Promise<string[]>;
  ids(): Promise<string[]>;
}

export class MemoryGuardrailRepository implements GuardrailRepository {
  private readonly rows = new Map<string, GuardrailRecord[]>();

  async insert(rec: GuardrailRecord): Promise<void> {
    if (this.rows.has(rec.id)) throw new Error(`guardrail ${rec.id} exists`);
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
    const rec: GuardrailRecord = { ...structuredClone(list[0]), version: String(list.length), description, createdAt: at, updatedAt: at };
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
    return [...this.rows.keys()];
  }
}

/** Bedrock-style id: 12 lowercase letters and digits. */
export function newGuardrailId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  for (const b of randomBytes(12)) s += alphabet[b % alphabet.length];
  return s;
}

export class GuardrailRegistry {
  /** Numbered versions never change, so their evaluators are cached for good; DRAFT until updated. */
  private readonly compiled = new Map<string, CompiledGuardrail>();

  constructor(
    private readonly repo: GuardrailRepository,
    private readonly kit: DetectorKit,
  ) {}

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
    this.compiled.delete(`${id}\u0000${DRAFT}`);
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
    const key = `${id}\u0000${version}`;
    const hit = this.compiled.get(key);
    if (hit) return hit;
    const rec = await this.repo.get(id, version);
    if (!rec) return undefined;
    const c = compileGuardrail(rec.definition, { id, version: rec.version, kit: this.kit });
    this.compiled.set(key, c);
    return c;
  }
}
