import { RESYNC_TOPIC, type ApiKeyRecord, type Store } from '../store/types.js';
import { hashKey, hashesEqual } from './apikeys.js';

/**
 * The hot path's view of API keys: hash -> record in memory, so a known key costs no store read.
 * Unknown hashes are remembered briefly (so a burst of bad keys does not become a burst of queries),
 * everything is dropped when any instance publishes 'keys' (revoke, rotate, create), and positive
 * entries expire anyway after `positiveTtlMs` so a lost notification heals itself.
 * lastUsedAt is collected in a set and written in one batch per `touchIntervalMs`, off the request.
 */

export interface KeyCacheOptions {
  store: Store;
  positiveTtlMs?: number;
  negativeTtlMs?: number;
  maxEntries?: number;
  touchIntervalMs?: number;
  now?: () => number;
}

interface Entry {
  rec?: ApiKeyRecord;
  until: number;
}

export class KeyCache {
  private readonly store: Store;
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<ApiKeyRecord | undefined>>();
  private readonly used = new Set<string>();
  private readonly positiveTtlMs: number;
  private readonly negativeTtlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  private generation = 0;
  private readonly unsubscribe: () => void;
  private readonly timer: NodeJS.Timeout;
  private flushing?: Promise<void>;

  constructor(opts: KeyCacheOptions) {
    this.store = opts.store;
    this.positiveTtlMs = opts.positiveTtlMs ?? 5 * 60_000;
    this.negativeTtlMs = opts.negativeTtlMs ?? 5_000;
    this.maxEntries = opts.maxEntries ?? 50_000;
    this.now = opts.now ?? Date.now;
    this.unsubscribe = opts.store.changes.subscribe((topic) => {
      if (topic === 'keys' || topic === RESYNC_TOPIC) this.invalidate();
    });
    this.timer = setInterval(() => void this.flushTouches(), opts.touchIntervalMs ?? 30_000);
    this.timer.unref();
  }

  /** Drops every cached answer; lookups already in flight will not repopulate the cache. */
  invalidate(): void {
    this.generation++;
    this.entries.clear();
    this.inflight.clear();
  }

  /** The stored record whose hash matches the presented key, whatever its state; undefined if none. */
  async lookup(key: string): Promise<ApiKeyRecord | undefined> {
    const hash = hashKey(key);
    const now = this.now();
    const hit = this.entries.get(hash);
    if (hit && hit.until > now) return hit.rec && hashesEqual(hit.rec.hash, hash) ? hit.rec : undefined;
    let p = this.inflight.get(hash);
    if (!p) {
      p = this.load(hash);
      this.inflight.set(hash, p);
    }
    return p;
  }

  private async load(hash: string): Promise<ApiKeyRecord | undefined> {
    const gen = this.generation;
    try {
      const rec = await this.store.keys.findByHash(hash);
      // The store answered by an index lookup; compare the digests again in constant time so a
      // store that matched loosely can never let a different key through.
      const ok = rec && hashesEqual(rec.hash, hash) ? rec : undefined;
      if (gen === this.generation) {
        if (this.entries.size >= this.maxEntries) this.evict();
        this.entries.set(hash, { rec: ok, until: this.now() + (ok ? this.positiveTtlMs : this.negativeTtlMs) });
      }
      return ok;
    } finally {
      if (gen === this.generation) this.inflight.delete(hash);
    }
  }

  private evict(): void {
    const now = this.now();
    for (const [h, e] of this.entries) if (e.until <= now) this.entries.delete(h);
    // still full: drop the oldest insertions (Map iterates in insertion order)
    let excess = this.entries.size - Math.floor(this.maxEntries * 0.9);
    for (const h of this.entries.keys()) {
      if (excess-- <= 0) break;
      this.entries.delete(h);
    }
  }

  /** Records a successful use; written to the store in the next batch. */
  markUsed(id: string): void {
    this.used.add(id);
  }

  async flushTouches(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.used.size === 0) return;
    const ids = [...this.used];
    this.used.clear();
    this.flushing = this.store.keys
      .touch(ids, new Date(this.now()))
      .catch(() => {
        // lastUsedAt is informational; a failed batch is retried with the next one
        for (const id of ids) this.used.add(id);
      })
      .finally(() => {
        this.flushing = undefined;
      });
    return this.flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.unsubscribe();
    await this.flushTouches();
  }
}
