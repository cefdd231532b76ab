/** The embedded store (SQLite or PostgreSQL) as a sink: one writeBatch call per batch. */
import type { RecordsStore } from '../../store/records-types.js';
import type { RecordBatch, Sink } from '../types.js';

export function storeSink(records: RecordsStore, name = 'store'): Sink {
  return {
    name,
    async write(batch: RecordBatch): Promise<void> {
      // Audit events commit no later than invocation rows: a row never exists without the event that vouches for it.
      await records.writeBatch(batch);
    },
    async close(): Promise<void> {
      // The store belongs to the gateway, which closes it after the recorder.
    },
  };
}
