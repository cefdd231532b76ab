/**
 * In-memory, per-source-IP guards that run before any credential is checked:
 *  - a pre-auth request budget per window (cheap flood protection for the credential path), and
 *  - a failed-authentication lockout: `maxFailures` failures within `windowMs` lock the address
 *    out for `lockMs`, so keys cannot be guessed online at speed.
 * Bounded: when more than `maxTracked` addresses are tracked, stale ones are dropped first.
 */

export interface ThrottleOptions {
  maxFailures?: number;
  windowMs?: number;
  lockMs?: number;
  /** Requests per window per IP before authentication; 0 disables the limit. */
  preAuthPerWindow?: number;
  maxTracked?: number;
  now?: () => number;
}

interface IpState {
  windowStart: number;
  requests: number;
  failWindowStart: number;
  failures: number;
  lockedUntil: number;
}

export type ThrottleVerdict = { ok: true } | { ok: false; reason: 'locked' | 'rate'; retryAfterSec: number };

export class AuthThrottle {
  private readonly ips = new Map<string, IpState>();
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly lockMs: number;
  private readonly preAuth: number;
  private readonly maxTracked: number;
  private readonly now: () => number;

  constructor(opts: ThrottleOptions = {}) {
    this.maxFailures = opts.maxFailures ?? 20;
    this.windowMs = opts.windowMs ?? 60_000;
    this.lockMs = opts.lockMs ?? 15 * 60_000;
    this.preAuth = opts.preAuthPerWindow ?? 0;
    this.maxTracked = opts.maxTracked ?? 100_000;
    this.now = opts.now ?? Date.now;
  }

  private state(ip: string, now: number): IpState {
    let s = this.ips.get(ip);
    if (!s) {
      if (this.ips.size >= this.maxTracked) this.prune(now);
      s = { windowStart: now, requests: 0, failWindowStart: now, failures: 0, lockedUntil: 0 };
      this.ips.set(ip, s);
    }
    return s;
  }

  /** Counts a request from `ip` and says whether it may try to authenticate. */
  admit(ip: string): ThrottleVerdict {
    const now = this.now();
    const s = this.state(ip, now);
    if (s.lockedUntil > now) return { ok: false, reason: 'locked', retryAfterSec: Math.ceil((s.lockedUntil - now) / 1000) };
    if (now - s.windowStart >= this.windowMs) {
      s.windowStart = now;
      s.requests = 0;
    }
    s.requests++;
    if (this.preAuth > 0 && s.requests > this.preAuth)
      return { ok: false, reason: 'rate', retryAfterSec: Math.ceil((s.windowStart + this.windowMs - now) / 1000) };
    return { ok: true };
  }

  /** Records a failed authentication; returns true when this failure locked the address. */
  fail(ip: string): boolean {
    const now = this.now();
    const s = this.state(ip, now);
    if (now - s.failWindowStart >= this.windowMs) {
      s.failWindowStart = now;
      s.failures = 0;
    }
    s.failures++;
    if (s.failures >= this.maxFailures) {
      s.lockedUntil = now + this.lockMs;
      s.failures = 0;
      return true;
    }
    return false;
  }

  private prune(now: number): void {
    for (const [ip, s] of this.ips) {
      if (s.lockedUntil <= now && now - s.windowStart >= this.windowMs && now - s.failWindowStart >= this.windowMs) this.ips.delete(ip);
    }
    // an address flood that is all fresh: forget the oldest, but never a locked address
    let excess = this.ips.size - Math.floor(this.maxTracked * 0.9);
    for (const [ip, s] of this.ips) {
      if (excess <= 0) break;
      if (s.lockedUntil > now) continue;
      this.ips.delete(ip);
      excess--;
    }
  }
}
