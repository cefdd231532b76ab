/**
 * Payload sealing for invocation records and its inverse for readers. With per-subject keys each data subject's
 * payloads use their own data key (crypto-shredding: destroy the key, the payloads are gone, the hashes stay).
 * New subject keys are written to the spool (wrapped) before any record that uses them, and to the store in the
 * background; the store row is what a reader (and an eraser) uses.
 */
import type { RecordsStore } from '../store/records-types.js';
import {
  decryptWithKey,
  encryptWithSubjectKey,
  newSubjectKey,
  unwrapSubjectKey,
  type Envelope,
  type Keyring,
  type SubjectKey,
} from './crypto.js';
import type { InvocationRecord } from './types.js';

export interface EncryptionOptions {
  keyring: Keyring;
  /** Encrypt each subject's payloads under its own data key, kept in the store (needed for erasure). */
  perSubject?: boolean;
  /** Subject keys cached per instance; default 10,000. */
  cacheSize?: number;
}

export class PayloadSealer {
  private readonly cache = new Map<string, SubjectKey>();
  private readonly cacheSize: number;
  /** Keys not yet in the store (retried by the recorder's delivery loop). */
  readonly unsaved: SubjectKey[] = [];

  constructor(
    private readonly opts: EncryptionOptions,
    /** Called with each new subject key before it is used, so it reaches the spool first. */
    private readonly onNewKey: (k: SubjectKey) => void,
  ) {
    this.cacheSize = opts.cacheSize ?? 10_000;
  }

  seal(payload: unknown, aad: string, subject: string | undefined): Envelope {
    const text = JSON.stringify(payload);
    if (!this.opts.perSubject || subject === undefined) return this.opts.keyring.encrypt(text, aad);
    let k = this.cache.get(subject);
    if (!k) {
      k = newSubjectKey(this.opts.keyring, subject);
      if (this.cache.size >= this.cacheSize) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(subject, k);
      this.unsaved.push(k);
      this.onNewKey(k);
    }
    return encryptWithSubjectKey(k, text, aad);
  }

  /** Drops every cached key (another instance erased a subject; which one is not carried by the notice). */
  forgetAll(): void {
    this.cache.clear();
  }

  /** Stops using a subject's cached key (erasure). */
  forget(subject: string): void {
    this.cache.delete(subject);
    for (let i = this.unsaved.length - 1; i >= 0; i--) if (this.unsaved[i].subject === subject) this.unsaved.splice(i, 1);
  }

  async saveKeys(store: RecordsStore): Promise<void> {
    while (this.unsaved.length) {
      const k = this.unsaved[0];
      await store.putSubjectKey({ subject: k.subject, keyId: k.keyId, wrapped: k.wrapped, createdAt: new Date() });
      this.unsaved.shift();
    }
  }
}

/** The marker a reader gets in place of a payload whose subject key was destroyed. */
export const ERASED = { erased: true } as const;

/**
 * Returns the record with encrypted payloads opened into inputBodyJson / outputBodyJson. A destroyed subject key
 * yields ERASED; a missing master key throws (the operator must add the old key back to the keyring).
 */
export async function openPayloads(
  record: InvocationRecord,
  keyring: Keyring,
  store?: RecordsStore,
): Promise<InvocationRecord> {
  const out: InvocationRecord = { ...record, input: { ...record.input }, output: { ...record.output } };
  const open = async (env: Envelope | undefined, aad: string): Promise<unknown> => {
    if (!env) return undefined;
    if (!env.subject) return JSON.parse(keyring.decrypt(env, aad)) as unknown;
    const rows = store ? await store.getSubjectKeys(env.subject) : [];
    const row = rows.find((r) => r.keyId === env.kid);
    if (!row) return ERASED;
    const key = unwrapSubjectKey(keyring, env.subject, env.kid, row.wrapped);
    return JSON.parse(decryptWithKey(key, env, aad)) as unknown;
  };
  if (out.input.inputBodyEncrypted) {
    out.input.inputBodyJson = await open(out.input.inputBodyEncrypted, `${record.requestId}:input`);
    delete out.input.inputBodyEncrypted;
  }
  if (out.output.outputBodyEncrypted) {
    out.output.outputBodyJson = await open(out.output.outputBodyEncrypted, `${record.requestId}:output`);
    delete out.output.outputBodyEncrypted;
  }
  return out;
}
