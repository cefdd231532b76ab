/** The embedded store (SQLite or PostgreSQL) as a sink: invocation records and audit events in one call each. */
import type { RecordsStore } from '../../store/records-types.js';
import type { RecordBatch, Sink } from '../types.js';

export function storeSink(records: RecordsStore, name = 'store'): Sink {
  return {
    name,
    async write(batch: RecordBatch): Promise<void> {
      // Audit first: an invocation row never exists without the event that vouches for it.
      await records.appendAudit(batch.audit);
      await records.insertInvocations(batch.invocations);
    },
    async close(): Promise<void> {
      // The store belongs to the gateway, which closes it after the recorder.
    },
  };
}
