/**
 * The Recorder: the pipeline's `record` stage. On the request path it only builds the invocation record and the
 * sealed audit event and appends one line to the write-ahead spool (written with the other lines of its event-loop
 * turn, or group-committed and fdatasync'd under `durability: fdatasync`); a background loop
 * delivers batches to every sink, retrying a failing sink without losing order, and acknowledges delivered entries
 * in the spool. Overflow of the in-memory queue spills to the spool (entries are re-read from disk), and any drop
 * is counted. At start the unacknowledged spool tail is replayed and streams cut by a crash get truncated records.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { RampartError } from '../errors.js';
import type { RequestContext } from '../pipeline/context.js';
import type { RecordStage } from '../pipeline/stages.js';
import type { RecordsStore } from '../store/records-types.js';
import type { ChangeChannel } from '../store/types.js';
import type { StreamEvent } from '../translate/ir.js';
import { AuditChain, dataPlaneEvent } from './audit.js';
import { captureEvents, type Mask, type StreamCapture } from './content.js';
import { DigestWriter } from './digest.js';
import { buildInvocation, type CostFn, type InvocationOptions } from './invocation.js';
import { PayloadSealer, type EncryptionOptions } from './payloads.js';
import { Delivery, type DeliveryOptions } from './delivery.js';
import { recoverOpenStreams, streamSnapshot } from './replay.js';
import type { Signer } from './signing.js';
import { Spool, entryLine, readSpool } from './spool.js';
import type { AuditEventInput, ContentPolicy, RecordEntry, Sink } from './types.js';

export type DiskFullPolicy = 'fail_closed' | 'memory_only';

/** Published on the store's change channel after a subject's keys are destroyed. */
export const ERASE_TOPIC = 'records-erase';

export interface RecorderOptions extends DeliveryOptions {
  /** Directory of the write-ahead spool; one recorder per directory. */
  spoolDir: string;
  sinks: Sink[];
  /** Stable id of this instance's audit chain; default: generated once and kept in <spoolDir>/instance-id. */
  instanceId?: string;
  /** Where chain heads are looked up at start (so a lost spool never restarts a chain) and subject keys kept. */
  store?: RecordsStore;
  /**
   * The store's change channel: an erasure anywhere (topic ERASE_TOPIC) makes this instance drop its cached subject
   * keys, so it stops encrypting under a destroyed key.
   */
  changes?: ChangeChannel;
  content?: {
    default?: ContentPolicy;
    /** Per-application content policy, by application id. */
    applications?: Record<string, ContentPolicy>;
    /** Masks text in `masked` mode (e.g. the guardrail anonymiser); without it unanonymised text is replaced by its length. */
    mask?: Mask;
    maxPayloadChars?: number;
  };
  encryption?: EncryptionOptions & { subjectOf?: (ctx: RequestContext) => string | undefined };
  cost?: CostFn;
  /**
   * When the spool cannot be written (disk full): fail_closed makes beforeLastByte reject and admit() throw, so the
   * gateway stops answering rather than answer unrecorded; memory_only keeps going on the in-memory queue and counts.
   */
  diskFull?: DiskFullPolicy;
  digest?: { signer: Signer; intervalMs: number; store: RecordsStore };
  /** fdatasync each group commit; default true. */
  sync?: boolean;
  segmentBytes?: number;
  onError?: (message: string, err?: unknown) => void;
}

export interface RecorderStats {
  instanceId: string;
  recorded: number;
  delivered: number;
  queued: number;
  spilled: number;
  dropped: number;
  replayed: number;
  recoveredTruncated: number;
  spoolFailures: number;
  /** New spool segments that could not be opened (the current one kept growing instead). */
  spoolRotateFailures: number;
  spoolCommits: number;
  notDurable: number;
  sinkErrors: Record<string, number>;
  healthy: boolean;
}

export class Recorder implements RecordStage {
  readonly name = 'record' as const;
  private readonly chain: AuditChain;
  private readonly spool: Spool;
  private readonly delivery: Delivery;
  private readonly sealer?: PayloadSealer;
  private readonly recordedCtx = new WeakSet<RequestContext>();
  private readonly captures = new WeakMap<RequestContext, StreamCapture>();
  private readonly openStreams = new Map<string, string>();
  private readonly digestWriter?: DigestWriter;
  private readonly diskFull: DiskFullPolicy;
  private readonly maxPayloadChars: number;
  private recorded = 0;
  private replayed = 0;
  private recoveredTruncated = 0;
  private notDurable = 0;
  private spoolBroken = false;
  private unsubscribe: (() => void) | undefined;

  private constructor(
    private readonly opts: RecorderOptions,
    readonly instanceId: string,
    head: { seq: number; hash: string } | undefined,
    existingMaxSeq: number,
  ) {
    this.chain = new AuditChain(instanceId, head);
    this.diskFull = opts.diskFull ?? 'fail_closed';
    this.maxPayloadChars = opts.content?.maxPayloadChars ?? 256 * 1024;
    this.spool = new Spool({ dir: opts.spoolDir, segmentBytes: opts.segmentBytes, sync: opts.sync }, existingMaxSeq, () =>
      this.preamble(),
    );
    if (opts.encryption) {
      this.sealer = new PayloadSealer(opts.encryption, (k) =>
        this.spool.append(`K\t${k.subject}\t${k.keyId}\t${k.wrapped}\n`, 0),
      );
    }
    this.delivery = new Delivery(opts, opts.sinks, this.spool, opts.spoolDir, {
      beforeBatch: async () => {
        if (this.sealer && opts.store) await this.sealer.saveKeys(opts.store);
      },
      onError: (m, e) => opts.onError?.(m, e),
    });
    if (opts.changes && this.sealer) {
      const sealer = this.sealer;
      this.unsubscribe = opts.changes.subscribe((topic) => {
        if (topic === ERASE_TOPIC || topic === '*') sealer.forgetAll();
      });
    }
    if (opts.digest) {
      this.digestWriter = new DigestWriter(opts.digest.store, opts.digest.signer, opts.digest.intervalMs, (e) =>
        opts.onError?.('audit digest failed', e),
      );
    }
  }

  /** Opens the spool, replays what sinks have not acknowledged, and starts delivery (and digests when configured). */
  static async create(opts: RecorderOptions): Promise<Recorder> {
    mkdirSync(opts.spoolDir, { recursive: true });
    lockSpool(opts.spoolDir);
    const instanceId = opts.instanceId ?? persistentInstanceId(opts.spoolDir);
    const replay = readSpool(opts.spoolDir);
    let head = replay.head;
    if (opts.store) {
      const stored = await opts.store.auditHead(instanceId);
      if (stored && (!head || stored.seq > head.seq)) head = stored;
    }
    const rec = new Recorder(opts, instanceId, head, head?.seq ?? 0);
    if (opts.store) {
      for (const k of replay.subjectKeys) await opts.store.putSubjectKey({ ...k, createdAt: new Date() });
    }
    rec.replayed = replay.entries.length;
    rec.delivery.enqueueReplayed(replay.entries);
    for (const entry of recoverOpenStreams(replay.openStreams, rec.chain)) {
      rec.recoveredTruncated++;
      rec.append(entry);
    }
    rec.delivery.start();
    rec.digestWriter?.start();
    return rec;
  }

  /** The record stage: appends the record to the spool without waiting for the write; never throws into the request path. */
  record(ctx: RequestContext): void {
    if (this.recordedCtx.has(ctx)) return;
    try {
      this.append(this.build(ctx, ctx.finishedAt ?? performance.now()));
    } catch (err) {
      this.opts.onError?.('building a record failed', err);
    }
  }

  /**
   * Makes the record durable before the answer's last bytes go out (streams: before the final event; plain
   * answers: before the body is written). Rejects under diskFull 'fail_closed' when the spool cannot be written,
   * so the caller can cut the answer instead of sending it unrecorded. `record(ctx)` afterwards is a no-op.
   */
  beforeLastByte(ctx: RequestContext): Promise<void> {
    if (this.recordedCtx.has(ctx)) return Promise.resolve();
    const entry = this.build(ctx, performance.now());
    return new Promise((resolve, reject) => {
      this.append(entry, (err) => {
        if (err && this.diskFull === 'fail_closed') {
          reject(new RampartError('internal', { message: 'the invocation record could not be made durable', cause: err }));
        } else resolve();
      });
    });
  }

  /** Marks a stream as started, so a crash before it ends leaves a record marked truncated. Optional to await. */
  streamStarted(ctx: RequestContext): Promise<void> {
    const snap = streamSnapshot(ctx, this.invocationOptions(ctx), dataPlaneEvent(ctx));
    this.openStreams.set(ctx.requestId, snap);
    return new Promise((resolve) => this.spool.append(`O\t${ctx.requestId}\t${snap}\n`, 0, () => resolve()));
  }

  /** Wraps the answer's event stream so the record can hold the streamed text (content policy permitting). */
  captureStream(ctx: RequestContext, events: AsyncIterable<StreamEvent>): AsyncIterable<StreamEvent> {
    const cap: StreamCapture = { text: [], toolCalls: [], chars: 0, cut: false };
    this.captures.set(ctx, cap);
    return captureEvents(events, cap, this.maxPayloadChars);
  }

  /** An admin-plane (or any non-model) API call. Resolves once the event is durable. */
  audit(input: AuditEventInput): Promise<string> {
    const row = this.chain.seal(input);
    return new Promise((resolve, reject) => {
      this.append({ seq: row.seq, audit: row }, (err) => {
        if (err && this.diskFull === 'fail_closed') reject(err);
        else resolve(row.eventId);
      }, input.requestId);
    });
  }

  /** Throws when the gateway should not answer because records cannot be made durable (fail_closed). */
  admit(): void {
    if (this.spoolBroken && this.diskFull === 'fail_closed') {
      throw new RampartError('internal', { message: 'request records cannot be written; refusing to serve unrecorded' });
    }
  }

  /** Destroys a data subject's payload keys (crypto-shredding) and audits the erasure. */
  async eraseSubject(subject: string, by: Omit<AuditEventInput, 'eventName' | 'eventSource' | 'readOnly'>): Promise<number> {
    if (!this.opts.store) throw new Error('records: erasure needs the store that keeps subject keys');
    this.sealer?.forget(subject);
    const destroyed = await this.opts.store.deleteSubjectKeys(subject);
    await this.opts.changes?.publish(ERASE_TOPIC);
    await this.audit({
      ...by,
      eventName: 'EraseSubjectData',
      eventSource: 'rampart.admin',
      readOnly: false,
      requestParameters: { subject },
      responseElements: { keysDestroyed: destroyed },
    });
    return destroyed;
  }

  /** Writes a digest now (tests, `rampart audit digest`); undefined when another instance holds the lock. */
  writeDigest(now?: Date) {
    return this.digestWriter?.writeNow(now);
  }

  /** Resolves when everything recorded so far reached every sink; rejects after timeoutMs (entries stay spooled). */
  flush(timeoutMs = 30_000): Promise<void> {
    return this.spool.drain().then(() => this.delivery.flush(timeoutMs));
  }

  /** Graceful shutdown: flush (bounded), then close the spool and the sinks. Unflushed entries replay next start. */
  async close(timeoutMs = 10_000): Promise<void> {
    this.digestWriter?.stop();
    this.unsubscribe?.();
    try {
      await this.flush(timeoutMs);
    } catch (err) {
      this.opts.onError?.('records not flushed at shutdown; they stay in the spool for the next start', err);
    }
    this.delivery.stop();
    await this.spool.close();
    for (const s of this.opts.sinks) await s.close().catch((e: unknown) => this.opts.onError?.(`closing sink ${s.name}`, e));
  }

  stats(): RecorderStats {
    const d = this.delivery.stats();
    return {
      instanceId: this.instanceId,
      recorded: this.recorded,
      delivered: d.delivered,
      queued: d.queued,
      spilled: d.spilled,
      dropped: d.dropped,
      replayed: this.replayed,
      recoveredTruncated: this.recoveredTruncated,
      spoolFailures: this.spool.failures,
      spoolRotateFailures: this.spool.rotateFailures,
      spoolCommits: this.spool.commits,
      notDurable: this.notDurable,
      sinkErrors: d.sinkErrors,
      healthy: !this.spoolBroken && d.healthy,
    };
  }

  private invocationOptions(ctx: RequestContext): InvocationOptions {
    const c = this.opts.content;
    const app = ctx.principal?.application;
    const policy = (app !== undefined ? c?.applications?.[app] : undefined) ?? c?.default ?? 'full';
    return {
      instanceId: this.instanceId,
      content: { policy, mask: c?.mask, maxPayloadChars: this.maxPayloadChars },
      seal: this.sealer ? (p, aad, subject) => this.sealer!.seal(p, aad, subject) : undefined,
      subjectOf: this.opts.encryption?.subjectOf,
      cost: this.opts.cost,
    };
  }

  private build(ctx: RequestContext, end: number): RecordEntry {
    this.recordedCtx.add(ctx);
    this.openStreams.delete(ctx.requestId);
    const isModelCall = ctx.operation === 'chat' || ctx.operation === 'embed';
    const inv = isModelCall ? buildInvocation(ctx, this.invocationOptions(ctx), end, this.captures.get(ctx)).row : undefined;
    const audit = this.chain.seal(dataPlaneEvent(ctx, inv?.hash), false);
    return { seq: audit.seq, invocation: inv, audit };
  }

  private append(entry: RecordEntry, done?: (err?: Error) => void, requestId?: string): void {
    this.recorded++;
    const line = entryLine({
      seq: entry.seq,
      requestId: entry.invocation?.requestId ?? requestId ?? entry.audit.eventId,
      invHash: entry.invocation?.hash,
      invBody: entry.invocation?.body,
      auditHash: entry.audit.hash,
      auditBody: entry.audit.body,
    });
    // Queued first: the spool calls back at once when it is closed, and a failed write must find the entry counted.
    this.delivery.enqueue(entry);
    this.spool.append(line, entry.seq, (err) => {
      if (err) {
        this.spoolBroken = true;
        this.notDurable++;
        this.opts.onError?.('records spool write failed', err);
        // Entries spilled to disk only are lost with the failed write: count them, never silently.
        this.delivery.spoolWriteFailed(entry);
      } else if (this.spoolBroken && this.spool.failures > 0) {
        this.spoolBroken = false;
      }
      done?.(err);
    });
  }

  private preamble(): string {
    const h = this.chain.current;
    let s = `H\t${h.seq}\t${h.hash}\n`;
    for (const [id, snap] of this.openStreams) s += `O\t${id}\t${snap}\n`;
    return s;
  }
}

/**
 * One live recorder per spool directory: two writers would interleave one chain's seqs. A lock left by a crashed
 * process (its pid no longer runs) is taken over, which is what a restart after kill -9 needs.
 */
function lockSpool(dir: string): void {
  const file = join(dir, 'spool.lock');
  if (existsSync(file)) {
    const pid = Number(readFileSync(file, 'utf8'));
    if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
      throw new Error(`records spool ${dir} is in use by process ${pid}; give each instance its own spool directory`);
    }
  }
  writeFileSync(file, String(process.pid));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function persistentInstanceId(dir: string): string {
  const file = join(dir, 'instance-id');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const id = `${hostname().replace(/[^A-Za-z0-9.-]/g, '').slice(0, 40) || 'rampart'}-${randomBytes(4).toString('hex')}`;
  writeFileSync(file, `${id}\n`, { flag: 'wx' });
  return id;
}
