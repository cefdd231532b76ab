/** Typed access to the governance documents: parse on read, optimistic versioned writes with retry. */
import type { z } from 'zod';
import { RampartError } from '../errors.js';
import { StoreConflictError, type GovernanceDocKind, type GovernanceStore } from '../store/types.js';
import { parseWith } from './types.js';

export interface Versioned<T> {
  value: T;
  version: number;
}

export class Docs<S extends z.ZodType> {
  constructor(
    private readonly store: GovernanceStore,
    private readonly kind: GovernanceDocKind,
    private readonly schema: S,
    /** Tells other instances (and this one's GovernanceState) to re-read. */
    private readonly onChange: () => Promise<unknown> = async () => undefined,
  ) {}

  async get(id: string): Promise<Versioned<z.output<S>> | undefined> {
    const d = await this.store.getDoc(this.kind, id);
    // A stored document that no longer validates is a broken invariant, not a client error: fail loudly.
    return d && { value: parseWith(this.schema, JSON.parse(d.body)), version: d.version };
  }

  async must(id: string, what: string): Promise<Versioned<z.output<S>>> {
    const d = await this.get(id);
    if (!d) throw new RampartError('not_found', { message: `No ${what} "${id}".` });
    return d;
  }

  async list(): Promise<Array<z.output<S>>> {
    return (await this.store.listDocs(this.kind)).map((d) => parseWith(this.schema, JSON.parse(d.body)));
  }

  async create(id: string, value: z.output<S>, what: string): Promise<void> {
    try {
      await this.store.putDoc(this.kind, id, JSON.stringify(value), 0);
      await this.onChange();
    } catch (err) {
      if (err instanceof StoreConflictError) throw new RampartError('bad_request', { message: `${what} "${id}" already exists.`, param: 'id' });
      throw err;
    }
  }

  /**
   * Read-modify-write: `fn` sees the current value and returns the next one (or throws to refuse). A concurrent
   * write makes the store refuse ours; we re-read and run `fn` again on the fresh state.
   */
  async update<R>(id: string, what: string, fn: (cur: z.output<S>) => { next: z.output<S>; result: R }): Promise<R> {
    for (let attempt = 0; ; attempt++) {
      const cur = await this.must(id, what);
      const { next, result } = fn(cur.value);
      try {
        await this.store.putDoc(this.kind, id, JSON.stringify(next), cur.version);
        await this.onChange();
        return result;
      } catch (err) {
        if (!(err instanceof StoreConflictError) || attempt >= 5) throw err;
      }
    }
  }

  async delete(id: string): Promise<boolean> {
    const gone = await this.store.deleteDoc(this.kind, id);
    if (gone) await this.onChange();
    return gone;
  }
}
