/**
 * The write-ahead spool: an append-only local file that makes a record durable before any sink sees it. Appends
 * are group-committed: under fdatasync, lines arriving while a write + fdatasync is in flight go out together in the
 * next one, so the cost of a sync is shared by every request in that window; without it, the lines appended in one
 * event-loop turn go out in one write(2) at the end of that turn. Sinks acknowledge by seq ('A' lines); a segment is
 * deleted once everything in it is acknowledged; on start the unacknowledged tail is replayed.
 *
 * Line format (tab-separated, one per line; canonical JSON never contains a raw tab or newline):
 *   E seq requestId invHash invBody auditHash auditBody   an entry ('-' for no invocation)
 *   A seq                                                 delivered to every sink through seq
 *   H seq hash                                            the chain head when the segment was started
 *   O requestId json                                      a stream started (a crash leaves it truncated)
 *   K subject keyId wrapped                               a new per-subject data key (wrapped)
 * A torn last line (crash mid-write) fails its hash check and is ignored.
 */
import { closeSync, fdatasync, mkdirSync, openSync, readFileSync, readdirSync, statSync, write, writeSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Hex as sha } from './canonical.js';

export interface SpoolEntryLine {
  seq: number;
  requestId: string;
  invHash?: string;
  invBody?: string;
  auditHash: string;
  auditBody: string;
}

export interface SpoolReplay {
  /** Entries not acknowledged, in seq order. */
  entries: SpoolEntryLine[];
  head?: { seq: number; hash: string };
  /** Streams started but never finished: requestId -> the snapshot written at start. */
  openStreams: Map<string, string>;
  subjectKeys: Array<{ subject: string; keyId: string; wrapped: string }>;
  tornLines: number;
}

export interface SpoolOptions {
  dir: string;
  /** Start a new segment past this size; default 64 MiB. */
  segmentBytes?: number;
  /**
   * fdatasync each group commit (default true); false: the lines appended in one event-loop turn are written with
   * one blocking write(2) when the turn ends (setImmediate), nothing more.
   */
  sync?: boolean;
}

type Done = (err?: Error) => void;

const SEG = /^spool-(\d{8})\.log$/;
const segName = (n: number) => `spool-${String(n).padStart(8, '0')}.log`;

/**
 * Segment numbers of the regular files in dir (anything else, e.g. a device node, is not a segment). A segment
 * deleted while the directory is read (acknowledged segments are unlinked in the background) is left out.
 */
function segments(dir: string): number[] {
  return readdirSync(dir)
    .map((n) => SEG.exec(n))
    .filter((m): m is RegExpExecArray => m !== null && statSync(join(dir, m[0]), { throwIfNoEntry: false })?.isFile() === true)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

/** A segment's text, or undefined when it was deleted since it was listed (everything in it was acknowledged). */
function readSegment(dir: string, n: number): string | undefined {
  try {
    return readFileSync(join(dir, segName(n)), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export function entryLine(e: SpoolEntryLine): string {
  return `E\t${e.seq}\t${e.requestId}\t${e.invHash ?? '-'}\t${e.invBody ?? '-'}\t${e.auditHash}\t${e.auditBody}\n`;
}

/** Reads every segment of a spool directory (synchronously: at start, and when spilled entries are re-read). */
export function readSpool(dir: string): SpoolReplay {
  mkdirSync(dir, { recursive: true });
  const bySeq = new Map<number, SpoolEntryLine>();
  const open = new Map<string, string>();
  const closed = new Set<string>();
  const subjectKeys: SpoolReplay['subjectKeys'] = [];
  let acked = 0;
  let head: SpoolReplay['head'];
  let torn = 0;
  for (const n of segments(dir)) {
    const text = readSegment(dir, n);
    if (text === undefined) continue;
    for (const line of text.split('\n')) {
      if (!line) continue;
      const p = line.split('\t');
      switch (p[0]) {
        case 'E': {
          const seq = Number(p[1]);
          if (p.length !== 7 || !Number.isSafeInteger(seq) || sha(p[6]) !== p[5] || (p[3] !== '-' && sha(p[4]) !== p[3])) {
            torn++;
            break;
          }
          if (!bySeq.has(seq)) {
            bySeq.set(seq, {
              seq,
              requestId: p[2],
              invHash: p[3] === '-' ? undefined : p[3],
              invBody: p[3] === '-' ? undefined : p[4],
              auditHash: p[5],
              auditBody: p[6],
            });
          }
          closed.add(p[2]);
          if (!head || seq > head.seq) head = { seq, hash: p[5] };
          break;
        }
        case 'A':
          acked = Math.max(acked, Number(p[1]) || 0);
          break;
        case 'H':
          if (p.length === 3 && (!head || Number(p[1]) > head.seq)) head = { seq: Number(p[1]), hash: p[2] };
          break;
        case 'O':
          if (p.length === 3) open.set(p[1], p[2]);
          break;
        case 'K':
          if (p.length === 4) subjectKeys.push({ subject: p[1], keyId: p[2], wrapped: p[3] });
          break;
        default:
          torn++;
      }
    }
  }
  for (const id of closed) open.delete(id);
  const entries = [...bySeq.values()].filter((e) => e.seq > acked).sort((a, b) => a.seq - b.seq);
  return { entries, head, openStreams: open, subjectKeys, tornLines: torn };
}

export class Spool {
  private fd: number;
  private segment: number;
  private segmentSize = 0;
  /** Older segments and the highest seq each holds; deleted once acknowledged. */
  private readonly old: Array<{ n: number; maxSeq: number }> = [];
  private segmentMaxSeq = 0;
  private pending: string[] = [];
  private waiters: Done[] = [];
  private writing = false;
  /** A write at the end of this event-loop turn is scheduled (without sync). */
  private scheduled = false;
  private closed = false;
  private torn = false;
  private ackedSeq = 0;
  /** Segment deletions in flight; close() waits for them. */
  private readonly removing = new Set<Promise<void>>();
  private readonly segmentBytes: number;
  private readonly sync: boolean;
  failures = 0;
  /** Segments that could not be started; the current one kept growing instead. */
  rotateFailures = 0;
  lastError: Error | undefined;
  commits = 0;

  /**
   * Starts a new segment after the existing ones (which are kept until acknowledged: their entries are being
   * replayed). `preamble` is written first (the chain head, still-open streams).
   */
  constructor(
    private readonly opts: SpoolOptions,
    existingMaxSeq: number,
    private readonly preamble: () => string,
  ) {
    this.segmentBytes = opts.segmentBytes ?? 64 * 1024 * 1024;
    this.sync = opts.sync ?? true;
    mkdirSync(opts.dir, { recursive: true });
    const existing = segments(opts.dir);
    for (const n of existing) this.old.push({ n, maxSeq: existingMaxSeq });
    this.segment = (existing.at(-1) ?? 0) + 1;
    this.fd = openSync(join(opts.dir, segName(this.segment)), 'a');
    this.pending.push(preamble());
  }

  /**
   * Queues a line; `done` runs once it is on disk (or the write failed), after append returns (at once, with an
   * error, when the spool is closed). With sync, nothing blocks; without, the lines of this event-loop turn are
   * written together when it ends: one write(2) for every answer that turn finished, where one per line cost ~20% of
   * the gateway's CPU per request under load.
   */
  append(line: string, seq: number, done?: Done): void {
    if (this.closed) {
      done?.(new Error('records spool is closed'));
      return;
    }
    this.pending.push(line);
    if (seq > this.segmentMaxSeq) this.segmentMaxSeq = seq;
    if (done) this.waiters.push(done);
    if (this.writing) return;
    if (this.sync) this.commit();
    else this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (!this.writing && !this.closed) this.commit();
    });
  }

  /** Everything through seq reached every sink. */
  ack(seq: number): void {
    if (seq <= this.ackedSeq || this.closed) return;
    this.ackedSeq = seq;
    this.append(`A\t${seq}\n`, 0);
    while (this.old.length && this.old[0].maxSeq <= seq) this.remove(this.old.shift()!.n);
  }

  /**
   * Deletes a segment off the event loop: freeing a 64 MiB file's blocks took ~10 ms, which stalled every answer
   * in flight. A segment still on disk after a crash is harmless: its entries are at or below an 'A' line.
   */
  private remove(n: number): void {
    const done: Promise<void> = unlink(join(this.opts.dir, segName(n)))
      // already gone, or not removable: nothing more to free
      .catch(() => undefined)
      .then(() => {
        this.removing.delete(done);
      });
    this.removing.add(done);
  }

  /** Resolves when everything appended so far is on disk. */
  drain(): Promise<void> {
    if (this.closed || (!this.writing && this.pending.length === 0)) return Promise.resolve();
    return new Promise((resolve) => this.append('', 0, () => resolve()));
  }

  private commit(): void {
    if (this.pending.length === 0) return;
    this.writing = true;
    // After a failed write a partial line may sit at the end of the file: end it so the next line stays whole.
    const text = (this.torn ? '\n' : '') + (this.pending.length === 1 ? this.pending[0] : this.pending.join(''));
    // Under fdatasync a Buffer is written on libuv's threadpool, and its length is the size; without, the string itself
    // goes to write(2).
    const buf = this.sync ? Buffer.from(text) : undefined;
    const size = buf ? buf.length : Buffer.byteLength(text);
    const waiters = this.waiters;
    this.pending = [];
    this.waiters = [];
    const finish = (err: Error | null) => {
      this.commits++;
      if (err) {
        this.failures++;
        this.lastError = err;
        this.torn = true;
      } else {
        this.torn = false;
        this.segmentSize += size;
        if (this.segmentSize >= this.segmentBytes) this.rotate();
      }
      // Settled before the waiters run: a waiter may append, and a waiter that throws must not leave the spool marked
      // as writing, with every later append queued for ever.
      this.writing = false;
      let thrown: { error: unknown } | undefined;
      for (const w of waiters) {
        try {
          w(err ?? undefined);
        } catch (error) {
          thrown ??= { error };
        }
      }
      if (this.pending.length && !this.writing && !this.closed) this.commit();
      // A caller's callback that threw (a bug) surfaces once the spool is consistent, as an uncaught exception from
      // the setImmediate or libuv callback that ran it.
      if (thrown) throw thrown.error;
    };
    if (!buf) return finish(writeAllSync(this.fd, text, size));
    writeAll(this.fd, buf, 0, (err) => {
      if (err) return finish(err);
      fdatasync(this.fd, (e) => finish(e));
    });
  }

  /** Starts the next segment; if it cannot be opened (EMFILE, say), the current one keeps growing and it is counted. */
  private rotate(): void {
    let fd: number;
    try {
      fd = openSync(join(this.opts.dir, segName(this.segment + 1)), 'a');
    } catch (err) {
      this.lastError = err as Error;
      this.rotateFailures++;
      return;
    }
    closeSync(this.fd);
    this.fd = fd;
    this.old.push({ n: this.segment, maxSeq: this.segmentMaxSeq });
    this.segment++;
    this.segmentSize = 0;
    this.pending.unshift(this.preamble());
    // Segments already acknowledged go at once.
    while (this.old.length && this.old[0].maxSeq <= this.ackedSeq) this.remove(this.old.shift()!.n);
  }

  async close(): Promise<void> {
    // A drain resolves as its commit ends, and lines queued meanwhile start the next one: wait until none is left.
    while (!this.closed && (this.writing || this.pending.length > 0)) await this.drain();
    if (!this.closed) {
      this.closed = true;
      closeSync(this.fd);
    }
    await Promise.all(this.removing);
  }
}

/**
 * Writes the string itself (no Buffer per line: that was a fresh ArrayBuffer for every record over 4 KB); only a
 * short write (a full disk, say) falls back to a Buffer to write the rest from the right byte.
 */
function writeAllSync(fd: number, text: string, size: number): Error | null {
  try {
    const n = writeSync(fd, text);
    if (n === size) return null;
    const buf = Buffer.from(text);
    for (let off = n; off < size; ) off += writeSync(fd, buf, off, size - off);
    return null;
  } catch (err) {
    return err as Error;
  }
}

function writeAll(fd: number, buf: Buffer, off: number, cb: (err: Error | null) => void): void {
  write(fd, buf, off, buf.length - off, null, (err, n) => {
    if (err) return cb(err);
    if (off + n < buf.length) return writeAll(fd, buf, off + n, cb);
    cb(null);
  });
}
