/**
 * Exposes the recorder's counters on a Prometheus registry, read at scrape time (nothing is counted twice and the
 * hot path does no metric work). Drops, spills, spool failures and sink errors are what an operator alerts on.
 */
import { Gauge, type Registry } from '../metrics/prom.js';
import type { Recorder, RecorderStats } from './recorder.js';

type Numeric = Exclude<keyof RecorderStats, 'instanceId' | 'sinkErrors' | 'healthy'>;

const FIELDS: Array<[Numeric, string]> = [
  ['recorded', 'records built on the request path'],
  ['delivered', 'records delivered to every sink'],
  ['queued', 'records waiting in memory for the sinks'],
  ['spilled', 'records that overflowed the memory queue and waited on disk'],
  ['dropped', 'records dropped (overflow drop_newest, or lost with a failed spool write)'],
  ['replayed', 'records replayed from the spool at start'],
  ['recoveredTruncated', 'streams cut by a crash, recorded as truncated at start'],
  ['spoolFailures', 'failed spool writes (disk full, I/O error)'],
  ['spoolRotateFailures', 'new spool segments that could not be opened (the current segment keeps growing)'],
  ['notDurable', 'records whose spool write failed'],
];

export function registerRecorderMetrics(registry: Registry, recorder: Recorder): void {
  for (const [field, help] of FIELDS) {
    const name = `rampart_records_${field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`;
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(recorder.stats()[field]);
      },
    });
  }
  new Gauge({
    name: 'rampart_records_sink_errors',
    help: 'failed sink writes (each is retried)',
    labelNames: ['sink'],
    registers: [registry],
    collect() {
      for (const [sink, n] of Object.entries(recorder.stats().sinkErrors)) this.set({ sink }, n);
    },
  });
  new Gauge({
    name: 'rampart_records_healthy',
    help: '1 when the spool is writable and every sink took its last batch',
    registers: [registry],
    collect() {
      this.set(recorder.stats().healthy ? 1 : 0);
    },
  });
}
