import { RampartError } from '../errors.js';

/** Full jitter: uniform in [0, min(maxMs, baseMs * 2^n)] (n = 0 for the first retry). */
export function backoffMs(n: number, baseMs: number, maxMs: number, random: () => number): number {
  return Math.floor(random() * Math.min(maxMs, baseMs * 2 ** n));
}

/**
 * Bounds retries to a fraction of traffic (Finagle's RetryBudget): each request deposits `ratio`,
 * each retry withdraws 1; `minPerSecond` retries are always allowed so a quiet gateway still
 * retries. When an upstream fails hard, retries then add at most `ratio` extra load.
 */
export class RetryBudget {
  private balance = 0;
  private reserve: number;
  private last: number;

  constructor(private ratio: number, private minPerSecond: number, private readonly now: () => number = Date.now) {
    this.reserve = minPerSecond;
    this.last = now();
  }

  configure(ratio: number, minPerSecond: number): void { this.ratio = ratio; this.minPerSecond = minPerSecond; }

  deposit(): void {
    this.balance = Math.min(this.balance + this.ratio, Math.max(10, this.ratio * 100));
  }

  tryWithdraw(): boolean {
    const t = this.now();
    this.reserve = Math.min(this.minPerSecond, this.reserve + ((t - this.last) / 1000) * this.minPerSecond);
    this.last = t;
    // epsilon: ten deposits of 0.1 must buy one retry despite floating point
    if (this.balance >= 1 - 1e-9) { this.balance = Math.max(0, this.balance - 1); return true; }
    if (this.reserve >= 1) { this.reserve -= 1; return true; }
    return false;
  }
}

/** Waits, unless the request is aborted first (then throws the abort reason). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => { clearTimeout(t); reject(abortReason(signal)); };
    const t = setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve(); }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new RampartError('bad_request', { message: 'request aborted' });
}
