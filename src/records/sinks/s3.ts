/**
 * S3-compatible object storage: each delivered batch becomes one gzipped JSON Lines object per kind under a
 * date-partitioned key:
 *   <prefix>/<kind>/year=YYYY/month=MM/day=DD/hour=HH/<instanceId>-<firstSeq>-<lastSeq>.jsonl.gz  (seqs 12 digits)
 * The key is derived from the batch's audit seqs, so a retried or replayed batch overwrites the same object instead
 * of duplicating it. The recorder's batchSize sets the object size (use a few thousand for S3).
 */
import { gzipSync } from 'node:zlib';
import { PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { RecordBatch, Sink } from '../types.js';

export interface S3SinkOptions {
  bucket: string;
  /** Key prefix without a trailing slash; default "rampart". */
  prefix?: string;
  /** Passed to the S3 client: region, endpoint (MinIO, s3rver...), forcePathStyle, credentials. */
  client: S3ClientConfig;
  name?: string;
}

const pad = (n: number) => String(n).padStart(2, '0');

export function s3Key(prefix: string, kind: string, time: Date, instanceId: string, first: number, last: number): string {
  const d = `year=${time.getUTCFullYear()}/month=${pad(time.getUTCMonth() + 1)}/day=${pad(time.getUTCDate())}/hour=${pad(time.getUTCHours())}`;
  // Zero-padded seqs: keys list in seq order.
  const seq = (n: number) => String(n).padStart(12, '0');
  return `${prefix}/${kind}/${d}/${instanceId}-${seq(first)}-${seq(last)}.jsonl.gz`;
}

export function s3Sink(opts: S3SinkOptions): Sink {
  const client = new S3Client(opts.client);
  const prefix = opts.prefix ?? 'rampart';
  const put = (key: string, lines: string[]) =>
    client.send(
      new PutObjectCommand({
        Bucket: opts.bucket,
        Key: key,
        Body: gzipSync(lines.join('\n') + '\n'),
        ContentType: 'application/x-ndjson',
        ContentEncoding: 'gzip',
      }),
    );
  return {
    name: opts.name ?? 's3',
    // One object per batch, keyed by its seqs: batches may overlap.
    concurrent: true,
    async write(batch: RecordBatch): Promise<void> {
      // A recorder's batch holds one instance's entries in seq order: its first and last audit rows name it.
      const first = batch.audit[0];
      const last = batch.audit[batch.audit.length - 1];
      if (!first) return;
      if (batch.audit.length) {
        await put(s3Key(prefix, 'audit', first.time, first.instanceId, first.seq, last.seq), batch.audit.map((r) => r.body));
      }
      if (batch.invocations.length) {
        await put(
          s3Key(prefix, 'invocations', first.time, first.instanceId, first.seq, last.seq),
          batch.invocations.map((r) => r.body),
        );
      }
    },
    async close(): Promise<void> {
      client.destroy();
    },
  };
}
