/**
 * Change notifications for the SQLite store. Subscribers of the publishing Store hear a publish at once; other
 * Store instances on the same file (other processes, or a second Store in this one) find it by polling the
 * `changes` table, so they hear it within one poll interval (default 1 s).
 *
 * Ordering is safe to track with one high-water mark: SQLite has a single writer, so AUTOINCREMENT sequence numbers
 * become visible in increasing order with no rolled-back holes. A hole therefore means rows were pruned before we
 * read them (the process slept for minutes); subscribers then get RESYNC_TOPIC.
 */
import type { StatementCache } from './db.js';
import { checkTopic, deliver, warn } from '../rows.js';
import { MAX_TOPIC_LENGTH, RESYNC_TOPIC, type ChangeChannel } from '../types.js';

/** Rows older than this are deleted; a poller that falls further behind gets RESYNC_TOPIC instead. */
const RETAIN_MS = 10 * 60_000;
const PRUNE_EVERY_PUBLISHES = 64;
const POLL_BATCH = 1000;

type Subscriber = (topic: string) => void;

export class SqliteChanges implements ChangeChannel {
  private readonly subscribers = new Set<Subscriber>();
  private timer: NodeJS.Timeout | undefined;
  private lastSeq = 0;
  private publishes = 0;

  constructor(
    private readonly stmts: StatementCache,
    private readonly origin: string,
    private readonly intervalMs: number,
  ) {}

  async publish(topic: string): Promise<void> {
    checkTopic(topic, MAX_TOPIC_LENGTH);
    const now = Date.now();
    try {
      this.stmts.get('INSERT INTO changes (topic, origin, at) VALUES (?, ?, ?)').run(topic, this.origin, now);
      if (++this.publishes % PRUNE_EVERY_PUBLISHES === 0) {
        this.stmts.get('DELETE FROM changes WHERE at < ?').run(now - RETAIN_MS);
      }
    } finally {
      // The caller already changed the state; local caches must hear it even if recording the change failed.
      deliver(this.subscribers, topic);
    }
  }

  subscribe(cb: Subscriber): () => void {
    this.subscribers.add(cb);
    if (!this.timer) this.start();
    return () => {
      this.subscribers.delete(cb);
      if (this.subscribers.size === 0) this.stop();
    };
  }

  close(): void {
    this.stop();
    this.subscribers.clear();
  }

  private start(): void {
    // Only changes after the first subscription matter; older ones describe state the subscriber reads fresh.
    const row = this.stmts.get('SELECT MAX(seq) AS seq FROM changes').get() as { seq: number | null };
    this.lastSeq = row.seq ?? 0;
    this.timer = setInterval(() => this.poll(), this.intervalMs);
    // A subscription must not keep a CLI command or a draining server alive.
    this.timer.unref();
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private poll(): void {
    let rows: { seq: number; topic: string; origin: string }[];
    try {
      rows = this.stmts
        .get('SELECT seq, topic, origin FROM changes WHERE seq > ? ORDER BY seq LIMIT ?')
        .all(this.lastSeq, POLL_BATCH) as typeof rows;
    } catch (err) {
      // Transient (e.g. the file is locked for a schema change); the next tick retries from the same mark.
      warn('RampartStorePollError', err);
      return;
    }
    if (rows.length === 0) return;
    const topics = new Set<string>();
    if (this.lastSeq > 0 && rows[0].seq > this.lastSeq + 1) topics.add(RESYNC_TOPIC);
    for (const r of rows) if (r.origin !== this.origin) topics.add(r.topic);
    this.lastSeq = rows[rows.length - 1].seq;
    // A burst of identical publishes between two polls is delivered once: subscribers re-read state anyway.
    for (const t of topics) deliver(this.subscribers, t);
  }
}
