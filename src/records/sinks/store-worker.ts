/**
 * The store as a sink, written from a worker thread with its own connection. better-sqlite3 is synchronous:
 * inserting a batch of thousands of records on the main thread would stall every request for tens of milliseconds;
 * for PostgreSQL the worker takes the encoding CPU off the event loop. The database must already be migrated (the
 * gateway opens its store first). Prefer this to storeSink in the gateway; storeSink suits tools and tests.
 */
import { Worker } from 'node:worker_threads';
import type { AuditRow, InvocationRow } from '../../store/records-types.js';
import type { StoreConfig } from '../../store/types.js';
import type { RecordBatch, Sink } from '../types.js';

/**
 * Rows cross to the worker as arrays of their values in these orders: the structured clone then copies values only,
 * not every row's property names (5.8 -> 2.6 µs of the event loop's CPU per record, measured with v8.serialize).
 * The checks below fail to compile when a row type gains a field these lists miss.
 */
const INVOCATION_FIELDS = [
  'requestId', 'time', 'instanceId', 'action', 'principalId', 'application', 'model', 'status', 'errorCode', 'decision',
  'guardrailAction', 'subject', 'hash', 'body',
] as const satisfies ReadonlyArray<keyof InvocationRow>;
const AUDIT_FIELDS = [
  'instanceId', 'seq', 'eventId', 'time', 'eventName', 'principalId', 'application', 'decision', 'errorCode', 'readOnly',
  'prevHash', 'hash', 'body',
] as const satisfies ReadonlyArray<keyof AuditRow>;
type Exhaustive<T, L extends ReadonlyArray<keyof T>> = [Exclude<keyof T, L[number]>] extends [never] ? true : never;
const invocationFieldsComplete: Exhaustive<InvocationRow, typeof INVOCATION_FIELDS> = true;
const auditFieldsComplete: Exhaustive<AuditRow, typeof AUDIT_FIELDS> = true;
void invocationFieldsComplete;
void auditFieldsComplete;

export interface PackedBatch {
  invocations: unknown[][];
  audit: unknown[][];
}

function pack<T extends object>(row: T, fields: ReadonlyArray<keyof T>): unknown[] {
  const out = new Array<unknown>(fields.length);
  for (let i = 0; i < fields.length; i++) out[i] = row[fields[i]];
  return out;
}

/** Absent (undefined) values stay absent, as in the rows that were packed. */
function unpack<T>(values: unknown[], fields: ReadonlyArray<keyof T>): T {
  const row: Record<string, unknown> = {};
  for (let i = 0; i < fields.length; i++) if (values[i] !== undefined) row[fields[i] as string] = values[i];
  return row as T;
}

export function packBatch(b: RecordBatch): PackedBatch {
  return {
    invocations: b.invocations.map((r) => pack(r, INVOCATION_FIELDS)),
    audit: b.audit.map((r) => pack(r, AUDIT_FIELDS)),
  };
}

export function unpackBatch(b: PackedBatch): RecordBatch {
  return {
    invocations: b.invocations.map((v) => unpack<InvocationRow>(v, INVOCATION_FIELDS)),
    audit: b.audit.map((v) => unpack<AuditRow>(v, AUDIT_FIELDS)),
  };
}

export function storeWorkerSink(opts: { store: StoreConfig; name?: string }): Sink {
  const worker = new Worker(new URL('./store-worker-thread.js', import.meta.url), { workerData: { store: opts.store } });
  const pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  let next = 1;
  let failed: Error | undefined;
  const ready = new Promise<void>((resolve, reject) => pending.set(0, { resolve, reject }));
  worker.on('message', (m: { id: number; error?: string }) => {
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (pending.size === 0) worker.unref();
    if (m.error) p?.reject(new Error(`store worker: ${m.error}`));
    else p?.resolve();
  });
  worker.on('error', (err) => {
    failed = err;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  });
  // Referenced only while a call waits for it: an idle sink must not keep the process alive.
  const call = async (msg: { type: 'write'; batch: PackedBatch } | { type: 'close' }): Promise<void> => {
    await ready;
    if (failed) throw failed;
    const id = next++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ ...msg, id });
    });
  };
  return {
    name: opts.name ?? `store-${opts.store.kind}`,
    // The worker decodes the next batch while the store writes this one; writeBatch is safe to overlap.
    concurrent: true,
    write: (batch) => call({ type: 'write', batch: packBatch(batch) }),
    async close() {
      if (!failed) await call({ type: 'close' }).catch(() => undefined);
      await worker.terminate();
    },
  };
}
