/**
 * The store as a sink, written from a worker thread with its own connection. better-sqlite3 is synchronous:
 * inserting a batch of thousands of records on the main thread would stall every request for tens of milliseconds;
 * for PostgreSQL the worker takes the encoding CPU off the event loop. The database must already be migrated (the
 * gateway opens its store first). Prefer this to storeSink in the gateway; storeSink suits tools and tests.
 */
import { Worker } from 'node:worker_threads';
import type { StoreConfig } from '../../store/types.js';
import type { RecordBatch, Sink } from '../types.js';

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
  const call = async (msg: { type: 'write'; batch: RecordBatch } | { type: 'close' }): Promise<void> => {
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
    write: (batch) => call({ type: 'write', batch }),
    async close() {
      if (!failed) await call({ type: 'close' }).catch(() => undefined);
      await worker.terminate();
    },
  };
}
