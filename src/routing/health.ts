import { CircuitBreaker, type BreakerState } from './breaker.js';
import type { BreakerConfig } from './schema.js';

/** What this instance knows about one deployment; shared by all requests, kept across reloads. */
export class DeploymentHealth {
  inflight = 0;
  /** Moving average latency (ms); undefined until the first success, so new deployments get tried. */
  latencyMs: number | undefined;
  /** Skipped until then after a 429 (its Retry-After, or the configured cooldown). */
  cooldownUntil = 0;
  readonly breaker: CircuitBreaker;

  constructor(readonly id: string, cfg: BreakerConfig, onBreaker: (id: string, s: BreakerState) => void) {
    this.breaker = new CircuitBreaker(cfg, (s) => onBreaker(id, s));
  }

  observeLatency(ms: number, alpha: number): void {
    this.latencyMs = this.latencyMs === undefined ? ms : this.latencyMs + alpha * (ms - this.latencyMs);
  }
}

export class HealthRegistry {
  private readonly byId = new Map<string, DeploymentHealth>();
  constructor(private readonly onBreaker: (id: string, s: BreakerState) => void = () => {}) {}

  get(id: string, cfg: BreakerConfig): DeploymentHealth {
    let h = this.byId.get(id);
    if (!h) { h = new DeploymentHealth(id, cfg, this.onBreaker); this.byId.set(id, h); }
    else h.breaker.configure(cfg);
    return h;
  }

  peek(id: string): DeploymentHealth | undefined { return this.byId.get(id); }
  all(): IterableIterator<DeploymentHealth> { return this.byId.values(); }
}
