import type { BreakerConfig } from './schema.js';

export type BreakerState = 'closed' | 'open' | 'half_open';

/** A pass to call the deployment; `probe` marks a half-open trial call. */
export interface Permit { probe: boolean }

/**
 * One deployment's circuit breaker. Closed: calls pass; `failureThreshold` consecutive failures,
 * or a failure rate over the recent window at or above `ejection.failureRate` (outlier ejection),
 * open it. Open: no calls for openMs (doubling on each re-open, capped). Half-open: up to
 * halfOpenMax trial calls; one success closes, one failure re-opens.
 */
export class CircuitBreaker {
  state: BreakerState = 'closed';
  private consecutive = 0;
  private readonly outcomes: boolean[] = [];
  private outcomeAt = 0;
  private failures = 0;
  private openUntil = 0;
  private reopenings = 0;
  private probes = 0;
  private lastProbeAt = 0;

  constructor(
    private cfg: BreakerConfig,
    private readonly onChange: (s: BreakerState) => void = () => {},
  ) {}

  /** A reload may change the settings; the state carries over. */
  configure(cfg: BreakerConfig): void { this.cfg = cfg; }

  /** Would a call pass now (without taking a probe slot)? */
  available(now: number): boolean {
    if (this.state === 'open' && now >= this.openUntil) this.set('half_open');
    // A probe whose outcome never came back (its stream was never consumed) must not wedge the
    // breaker half-open: after openMs its slot is free again.
    if (this.state === 'half_open' && this.probes >= this.cfg.halfOpenMax && now - this.lastProbeAt >= this.cfg.openMs) this.probes = 0;
    return this.state === 'closed' || (this.state === 'half_open' && this.probes < this.cfg.halfOpenMax);
  }

  /** Milliseconds until an open breaker lets a trial call through. */
  retryInMs(now: number): number { return this.state === 'open' ? Math.max(0, this.openUntil - now) : 0; }

  tryAcquire(now: number): Permit | undefined {
    if (!this.available(now)) return undefined;
    if (this.state === 'half_open') { this.probes++; this.lastProbeAt = now; return { probe: true }; }
    return { probe: false };
  }

  /** The call's verdict: success, failure, or neutral (client gone, 429, a client error... says nothing about health). */
  record(permit: Permit, outcome: 'success' | 'failure' | 'neutral', now: number): void {
    if (permit.probe) this.probes = Math.max(0, this.probes - 1);
    if (outcome === 'neutral') return;
    const failed = outcome === 'failure';
    if (permit.probe || this.state === 'half_open') {
      if (failed) this.open(now);
      else if (this.state === 'half_open') this.close();
      return;
    }
    if (this.state !== 'closed') return; // a slow call finishing after the breaker opened
    this.consecutive = failed ? this.consecutive + 1 : 0;
    this.push(failed);
    const ej = this.cfg.ejection;
    if (this.consecutive >= this.cfg.failureThreshold || (this.outcomes.length >= ej.minRequests && this.failures / this.outcomes.length >= ej.failureRate)) {
      this.open(now);
    }
  }

  private push(failed: boolean): void {
    const w = this.cfg.ejection.window;
    if (this.outcomes.length < w) this.outcomes.push(failed);
    else {
      if (this.outcomes[this.outcomeAt]) this.failures--;
      this.outcomes[this.outcomeAt] = failed;
      this.outcomeAt = (this.outcomeAt + 1) % w;
    }
    if (failed) this.failures++;
  }

  private open(now: number): void {
    const ms = Math.min(this.cfg.maxOpenMs, this.cfg.openMs * 2 ** this.reopenings);
    this.reopenings++;
    this.openUntil = now + ms;
    this.probes = 0;
    this.set('open');
  }

  private close(): void {
    this.consecutive = 0;
    this.outcomes.length = 0;
    this.outcomeAt = 0;
    this.failures = 0;
    this.reopenings = 0;
    this.set('closed');
  }

  private set(s: BreakerState): void {
    if (this.state === s) return;
    this.state = s;
    this.onChange(s);
  }
}
