/**
 * Worker side of storeWorkerSink: its own connection to the store, so encoding and (for SQLite, synchronous)
 * inserting a batch run off the gateway's event loop, on another core.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openStore } from '../../store/index.js';
import type { StoreConfig } from '../../store/types.js';
import { unpackBatch, type PackedBatch } from './store-worker.js';

type Message = { type: 'write'; id: number; batch: PackedBatch } | { type: 'close'; id: number };

const port = parentPort!;
const store = await openStore({ ...(workerData as { store: StoreConfig }).store, autoMigrate: false });
port.on('message', (m: Message) => {
  void (async () => {
    try {
      if (m.type === 'write') {
        await store.records.writeBatch(unpackBatch(m.batch));
      } else {
        await store.close();
      }
      port.postMessage({ id: m.id });
    } catch (err) {
      port.postMessage({ id: m.id, error: err instanceof Error ? err.message : String(err) });
    }
  })();
});
port.postMessage({ id: 0 });
