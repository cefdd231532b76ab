/**
 * Background delivery of spooled entries to the sinks: batches in seq order, every sink must take a batch before
 * the next one goes (a failing sink is retried with backoff; sinks that already took it are not asked again), and
 * delivered entries are acknowledged in the spool. The in-memory queue is bounded; past it the overflow policy
 * applies: 'spool' (default) keeps new entries on disk only and re-reads them when the queue drains, 'drop_newest'
 * drops them. Every drop is counted.
 */
import type { RecordEntry, RecordBatch, Sink } from './types.js';
import { readSpool, type Spool, type SpoolEntryLine } from './spool.js';
import { invocationRowFromBody } from './invocation.js';
import { auditRowFromBody } from './audit.js';

export type OverflowPolicy = 'spool' | 'drop_newest';

export interface DeliveryOptions {
  /** Entries per sink write; default 1000. */
  batchSize?: number;
  /** Longest wait before a partial batch is written; default 100 ms. */
  flushMs?: number;
  /** Entries held in memory; default 50,000. */
  maxQueue?: number;
  overflow?: OverflowPolicy;
  /** First retry delay after a sink failure (doubles to 30 s); default 500 ms. */
  retryMs?: number;
}

interface Hooks {
  beforeBatch: () => Promise<void>;
  onError: (message: string, err?: unknown) => void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

export function entryFromLine(l: SpoolEntryLine): RecordEntry {
  return {
    seq: l.seq,
    invocation: l.invBody !== undefined ? invocationRowFromBody(l.invBody, l.invHash!) : undefined,
    audit: auditRowFromBody(l.auditBody, l.auditHash),
  };
}

export class Delivery {
  private queue: RecordEntry[] = [];
  /** Entries from this seq on are on disk only (overflow 'spool'). */
  private spillFrom: number | undefined;
  private lastSeq = 0;
  private deliveredSeq = 0;
  private running = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private idleWaiters: Array<() => void> = [];
  private readonly batchSize: number;
  private readonly flushMs: number;
  private readonly maxQueue: number;
  private readonly overflow: OverflowPolicy;
  private readonly retryMs: number;
  private delivered = 0;
  private spilled = 0;
  private dropped = 0;
  private failing = false;
  private readonly sinkErrors: Record<string, number> = {};
  /** Two when every sink takes overlapping batches, else one: a file sink gets its batches in order. */
  private readonly maxInFlight: 1 | 2;
  private keysSaved: Promise<void> = Promise.resolve();

  constructor(
    opts: DeliveryOptions,
    private readonly sinks: Sink[],
    private readonly spool: Spool,
    private readonly spoolDir: string,
    private readonly hooks: Hooks,
  ) {
    this.batchSize = opts.batchSize ?? 1000;
    this.flushMs = opts.flushMs ?? 100;
    this.maxQueue = opts.maxQueue ?? 50_000;
    this.overflow = opts.overflow ?? 'spool';
    this.retryMs = opts.retryMs ?? 500;
    for (const s of sinks) this.sinkErrors[s.name] = 0;
    this.maxInFlight = sinks.every((s) => s.concurrent) ? 2 : 1;
  }

  enqueueReplayed(lines: SpoolEntryLine[]): void {
    for (const l of lines) this.enqueue(entryFromLine(l));
  }

  enqueue(entry: RecordEntry): void {
    if (entry.seq > this.lastSeq) this.lastSeq = entry.seq;
    if (this.spillFrom !== undefined) {
      this.spilled++;
    } else if (this.queue.length >= this.maxQueue) {
      if (this.overflow === 'spool') {
        this.spillFrom = entry.seq;
        this.spilled++;
      } else {
        this.dropped++;
      }
    } else {
      this.queue.push(entry);
    }
    if (this.queue.length >= this.batchSize) this.kick();
    else if (!this.timer && !this.running) this.kickAfter(this.flushMs);
  }

  /** Starts the loop after ms, without keeping the process alive for it. */
  private kickAfter(ms: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.kick();
    }, ms);
    this.timer.unref();
  }

  /** A spool write failed: an entry kept only on disk is lost. */
  spoolWriteFailed(entry: RecordEntry): void {
    if (this.spillFrom !== undefined && entry.seq >= this.spillFrom) this.dropped++;
  }

  start(): void {
    this.kick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  stats() {
    return {
      delivered: this.delivered,
      queued: this.queue.length,
      spilled: this.spilled,
      dropped: this.dropped,
      sinkErrors: { ...this.sinkErrors },
      healthy: !this.failing,
    };
  }

  flush(timeoutMs: number): Promise<void> {
    if (this.idle()) return Promise.resolve();
    this.kick();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== done);
        reject(new Error(`records flush timed out with ${this.lastSeq - this.deliveredSeq} entries undelivered`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(t);
        resolve();
      };
      this.idleWaiters.push(done);
    });
  }

  private idle(): boolean {
    return !this.running && this.queue.length === 0 && this.spillFrom === undefined;
  }

  private kick(): void {
    if (this.running || this.stopped) return;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.running = true;
    let failed = false;
    void this.loop()
      .catch((err) => {
        // Re-reading spilled entries can fail (an unreadable spool): report it and try again after retryMs, never
        // an unhandled rejection that would end the process.
        failed = true;
        this.hooks.onError('records delivery failed; retrying', err);
      })
      .finally(() => {
        this.running = false;
        if (this.idle()) {
          const w = this.idleWaiters;
          this.idleWaiters = [];
          for (const f of w) f();
        } else if (!this.stopped) {
          if (failed) this.kickAfter(this.retryMs);
          else this.kick();
        }
      });
  }

  /**
   * Up to two batches in flight (when every sink is `concurrent`): the next one is handed to the sinks while the
   * last one is being written (a store sink's worker prepares it meanwhile). Batches are acknowledged in seq order.
   */
  private async loop(): Promise<void> {
    type Flight = { batch: RecordEntry[]; done: Promise<void>; settled: boolean };
    let inflight: Flight | undefined;
    const start = (batch: RecordEntry[]): Flight => {
      const f: Flight = { batch, done: this.deliver(batch), settled: false };
      void f.done.then(() => { f.settled = true; });
      return f;
    };
    const complete = async (f: Flight) => {
      await f.done;
      if (this.stopped) return;
      const last = f.batch[f.batch.length - 1].seq;
      if (last > this.deliveredSeq) this.deliveredSeq = last;
      this.delivered += f.batch.length;
      this.spool.ack(this.deliveredSeq);
    };
    while (!this.stopped) {
      let batch = this.queue.splice(0, this.batchSize);
      // Spilled entries come after everything in flight: read them only once it has landed.
      if (batch.length === 0 && this.spillFrom !== undefined && !inflight) batch = await this.readSpilled();
      if (batch.length === 0) {
        if (!inflight) return;
        // Nothing new yet: look again after flushMs unless the batch in flight lands first.
        if (!inflight.settled) await Promise.race([inflight.done, sleep(this.flushMs)]);
        if (!inflight.settled) continue;
        await complete(inflight);
        inflight = undefined;
        continue;
      }
      if (inflight && this.maxInFlight === 1) {
        await complete(inflight);
        inflight = undefined;
      }
      const next = start(batch);
      if (inflight) await complete(inflight);
      inflight = next;
    }
    // Stopped: let the batch in flight settle (it stops retrying) before the loop reports idle.
    if (inflight) await inflight.done;
  }


  /** Re-reads entries that overflowed to disk, up to a queue's worth. */
  private async readSpilled(): Promise<RecordEntry[]> {
    const from = this.spillFrom!;
    await this.spool.drain();
    const lines = readSpool(this.spoolDir).entries.filter((e) => e.seq >= from).slice(0, this.maxQueue);
    const upTo = lines.length ? lines[lines.length - 1].seq : from - 1;
    // Synchronous from here to the check: no record() can interleave, so nothing is left behind.
    this.spillFrom = upTo < this.lastSeq ? upTo + 1 : undefined;
    const entries = lines.map(entryFromLine);
    this.queue.unshift(...entries.slice(this.batchSize));
    return entries.slice(0, this.batchSize);
  }

  private async deliver(batch: RecordEntry[]): Promise<void> {
    const payload: RecordBatch = { invocations: [], audit: [] };
    for (const e of batch) {
      if (e.invocation) payload.invocations.push(e.invocation);
      payload.audit.push(e.audit);
    }
    const done = new Set<Sink>();
    let delay = this.retryMs;
    for (;;) {
      try {
        // One at a time: two batches in flight must not save the same new subject keys twice.
        this.keysSaved = this.keysSaved.catch(() => undefined).then(() => this.hooks.beforeBatch());
        await this.keysSaved;
      } catch (err) {
        this.hooks.onError('saving subject keys failed; retrying', err);
      }
      for (const s of this.sinks) {
        if (done.has(s)) continue;
        try {
          await s.write(payload);
          done.add(s);
        } catch (err) {
          this.sinkErrors[s.name]++;
          this.hooks.onError(`records sink ${s.name} failed; retrying the batch`, err);
        }
      }
      if (done.size === this.sinks.length) {
        this.failing = false;
        return;
      }
      this.failing = true;
      if (this.stopped) return;
      await sleep(delay);
      delay = Math.min(delay * 2, 30_000);
    }
  }
}
