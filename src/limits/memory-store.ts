import type { AdmitResult, Adjustment, Check, CheckResult, LimitStore } from './types.js';

interface Entry { id: string; ts: number; amount: number; live: boolean }

/** A sliding log: exact (no window-boundary burst), O(1) amortised per admission. */
class Window {
  entries: Entry[] = [];
  head = 0;
  sum = 0;
  byId = new Map<string, Entry>();

  prune(cutoff: number): void {
    const es = this.entries;
    while (this.head < es.length && es[this.head].ts <= cutoff) {
      const e = es[this.head++];
      if (e.live) { this.sum -= e.amount; e.live = false; if (this.byId.size > 0) this.byId.delete(e.id); }
    }
    // Compact now and then instead of shifting on every expiry.
    if (this.head > 1024 && this.head * 2 > es.length) { this.entries = es.slice(this.head); this.head = 0; }
  }

  get empty(): boolean { return this.head >= this.entries.length; }
}

interface Budget { value: number; expireAt: number }

export interface MemoryStoreOptions {
  now?: () => number;
  /** How often idle counters are dropped; 0 disables the sweep (tests). */
  sweepMs?: number;
}

/** One instance's limits, in process memory. Synchronous so the limit check costs no microtask. */
export class MemoryLimitStore implements LimitStore {
  readonly kind = 'memory' as const;
  private readonly now: () => number;
  private readonly windows = new Map<string, Window>();
  private readonly windowMs = new Map<string, number>();
  private readonly slots = new Map<string, Map<string, number>>();
  private readonly budgets = new Map<string, Budget>();
  private readonly timer?: NodeJS.Timeout;

  constructor(opts: MemoryStoreOptions = {}) {
    this.now = opts.now ?? Date.now;
    const sweepMs = opts.sweepMs ?? 60_000;
    if (sweepMs > 0) {
      this.timer = setInterval(() => this.sweep(), sweepMs);
      this.timer.unref();
    }
  }

  admit(id: string, checks: readonly Check[]): AdmitResult {
    const now = this.now();
    const results: CheckResult[] = new Array(checks.length);
    let admitted = true;
    // Phase 1: check everything without changing anything.
    for (let i = 0; i < checks.length; i++) {
      const c = checks[i];
      let r: CheckResult;
      if (c.kind === 'window') {
        const w = this.window(c.key, c.windowMs);
        w.prune(now - c.windowMs);
        const ok = w.sum + c.amount <= c.limit;
        r = { ok, used: w.sum, remaining: Math.max(0, c.limit - w.sum - (ok ? c.amount : 0)), resetMs: ok ? 0 : windowReset(w, c.limit, c.amount, c.windowMs, now) };
      } else if (c.kind === 'concurrency') {
        const s = this.slotSet(c.key);
        if (s.size >= c.limit) for (const [k, exp] of s) if (exp <= now) s.delete(k);
        const ok = s.size < c.limit;
        r = { ok, used: s.size, remaining: Math.max(0, c.limit - s.size - (ok ? 1 : 0)), resetMs: ok ? 0 : 1000 };
      } else {
        const b = this.budget(c.key, c.expireAt, now);
        const ok = b.value < c.limit;
        r = { ok, used: b.value, remaining: Math.max(0, c.limit - b.value - (ok ? c.amount : 0)), resetMs: ok ? 0 : Math.max(0, c.expireAt - now) };
      }
      results[i] = r;
      if (!r.ok) admitted = false;
    }
    if (!admitted) return { admitted, results };
    // Phase 2: commit.
    for (const c of checks) {
      if (c.kind === 'window') {
        const w = this.windows.get(c.key)!;
        const e: Entry = { id, ts: now, amount: c.amount, live: true };
        w.entries.push(e);
        w.sum += c.amount;
        if (c.adjustable) w.byId.set(id, e);
      } else if (c.kind === 'concurrency') {
        this.slots.get(c.key)!.set(id, now + c.leaseMs);
      } else {
        this.budgets.get(c.key)!.value += c.amount;
      }
    }
    return { admitted, results };
  }

  settle(id: string, adjustments: readonly Adjustment[]): void {
    for (const a of adjustments) {
      if (a.kind === 'window') {
        const e = this.windows.get(a.key)?.byId.get(id);
        // An entry that already left the window no longer counts; adjusting it would be wrong.
        if (!e?.live) continue;
        const w = this.windows.get(a.key)!;
        const next = Math.max(0, e.amount + a.delta);
        w.sum += next - e.amount;
        e.amount = next;
      } else if (a.kind === 'concurrency') {
        this.slots.get(a.key)?.delete(id);
      } else {
        const b = this.budgets.get(a.key);
        if (b) b.value = Math.max(0, b.value + a.delta);
      }
    }
  }

  flush(): Promise<void> { return Promise.resolve(); }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
  }

  /** Drops counters that hold nothing (keeps memory bounded by the active subjects). */
  sweep(): void {
    const now = this.now();
    for (const [k, w] of this.windows) { w.prune(now - (this.windowMs.get(k) ?? 60_000)); if (w.empty) { this.windows.delete(k); this.windowMs.delete(k); } }
    for (const [k, s] of this.slots) { for (const [id, exp] of s) if (exp <= now) s.delete(id); if (s.size === 0) this.slots.delete(k); }
    for (const [k, b] of this.budgets) if (b.expireAt <= now) this.budgets.delete(k);
  }

  private window(key: string, windowMs: number): Window {
    let w = this.windows.get(key);
    if (!w) { w = new Window(); this.windows.set(key, w); this.windowMs.set(key, windowMs); }
    return w;
  }

  private slotSet(key: string): Map<string, number> {
    let s = this.slots.get(key);
    if (!s) { s = new Map(); this.slots.set(key, s); }
    return s;
  }

  private budget(key: string, expireAt: number, now: number): Budget {
    let b = this.budgets.get(key);
    if (!b || b.expireAt <= now) { b = { value: 0, expireAt }; this.budgets.set(key, b); }
    return b;
  }
}

/** Time until enough of the window has expired for `amount` to fit. */
function windowReset(w: Window, limit: number, amount: number, windowMs: number, now: number): number {
  if (amount > limit) return windowMs;
  let sum = w.sum;
  for (let i = w.head; i < w.entries.length; i++) {
    const e = w.entries[i];
    if (!e.live) continue;
    sum -= e.amount;
    if (sum + amount <= limit) return Math.max(1, e.ts + windowMs - now);
  }
  return windowMs;
}
