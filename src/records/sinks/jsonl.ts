/**
 * JSON Lines files: one line per record (the canonical body, so a line's SHA-256 is the record's hash), invocation
 * records and audit events in separate files, rotated by size and age; rotated files are gzipped in the background.
 * Names sort by time: <kind>-<UTC yyyymmddThhmmss>-<n>.jsonl[.gz].
 */
import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { RecordBatch, Sink } from '../types.js';

export interface JsonlSinkOptions {
  dir: string;
  /** Rotate past this many bytes; default 64 MiB. */
  maxBytes?: number;
  /** Rotate files older than this; default 1 hour. */
  maxAgeMs?: number;
  /** gzip rotated files; default true. */
  gzip?: boolean;
  /** fsync after each batch; default false (the spool already holds the records durably). */
  sync?: boolean;
  name?: string;
}

class RotatingFile {
  private fh: FileHandle | undefined;
  private path = '';
  private size = 0;
  private openedAt = 0;
  private n = 0;
  readonly compressing = new Set<Promise<void>>();

  constructor(
    private readonly kind: string,
    private readonly o: Required<Omit<JsonlSinkOptions, 'name'>>,
  ) {}

  async write(text: string): Promise<void> {
    if (this.fh && (this.size >= this.o.maxBytes || Date.now() - this.openedAt >= this.o.maxAgeMs)) await this.rotate();
    if (!this.fh) {
      const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
      this.path = join(this.o.dir, `${this.kind}-${stamp}-${String(this.n++).padStart(4, '0')}.jsonl`);
      this.fh = await open(this.path, 'a');
      this.size = 0;
      this.openedAt = Date.now();
    }
    const buf = Buffer.from(text);
    await this.fh.write(buf);
    if (this.o.sync) await this.fh.datasync();
    this.size += buf.length;
  }

  async rotate(): Promise<void> {
    if (!this.fh) return;
    await this.fh.close();
    this.fh = undefined;
    if (!this.o.gzip) return;
    const src = this.path;
    const p = gzipFile(src).finally(() => this.compressing.delete(p));
    this.compressing.add(p);
  }

  async close(): Promise<void> {
    await this.rotate();
    await Promise.all([...this.compressing]);
  }
}

async function gzipFile(src: string): Promise<void> {
  const tmp = `${src}.gz.tmp`;
  await pipeline(createReadStream(src), createGzip(), createWriteStream(tmp));
  // Rename then unlink: a crash in between leaves both copies, never neither.
  await rename(tmp, `${src}.gz`);
  await unlink(src);
}

export function jsonlSink(opts: JsonlSinkOptions): Sink {
  mkdirSync(opts.dir, { recursive: true });
  const o = {
    dir: opts.dir,
    maxBytes: opts.maxBytes ?? 64 * 1024 * 1024,
    maxAgeMs: opts.maxAgeMs ?? 3_600_000,
    gzip: opts.gzip ?? true,
    sync: opts.sync ?? false,
  };
  const inv = new RotatingFile('invocations', o);
  const audit = new RotatingFile('audit', o);
  return {
    name: opts.name ?? 'jsonl',
    async write(batch: RecordBatch): Promise<void> {
      if (batch.audit.length) await audit.write(batch.audit.map((r) => r.body + '\n').join(''));
      if (batch.invocations.length) await inv.write(batch.invocations.map((r) => r.body + '\n').join(''));
    },
    async close(): Promise<void> {
      await audit.close();
      await inv.close();
    },
  };
}
