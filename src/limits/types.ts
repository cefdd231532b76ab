/**
 * The rate-limit store contract. A request's admission is ONE call to `admit` with every check
 * that applies; the store either commits all of them or none (so a request refused by a team
 * rule does not eat its key's rpm). Both stores implement the same semantics and run the same
 * conformance suite (conformance.ts).
 */

/** Sliding window of `windowMs`: the sum of `amount`s admitted in the last window stays <= limit. */
export interface WindowCheck {
  kind: 'window';
  key: string;
  limit: number;
  amount: number;
  windowMs: number;
  /** settle may correct this entry later (tpm); fixed-size entries (rpm) skip the bookkeeping. */
  adjustable?: boolean;
}

/** At most `limit` reservations held at once; a slot not released expires after `leaseMs`. */
export interface ConcurrencyCheck {
  kind: 'concurrency';
  key: string;
  limit: number;
  leaseMs: number;
}

/**
 * A spend counter for a calendar period (integer micro-dollars). Admits while the committed sum
 * (settled spend plus in-flight reservations) is below `limit`, then adds `amount`; so the period
 * is overshot by at most what was in flight when the limit was reached. `expireAt` is the end of
 * the period (epoch ms).
 */
export interface BudgetCheck {
  kind: 'budget';
  key: string;
  limit: number;
  amount: number;
  expireAt: number;
}

export type Check = WindowCheck | ConcurrencyCheck | BudgetCheck;

export interface CheckResult {
  ok: boolean;
  /** What is left after this request (or now, when refused). Never negative. */
  remaining: number;
  /** The committed amount before this request. */
  used: number;
  /** Milliseconds until this check would admit again (0 when ok). */
  resetMs: number;
}

export interface AdmitResult {
  admitted: boolean;
  results: CheckResult[];
}

/** Corrections after the answer. `delta` may be negative (a reservation larger than the actual use). */
export type Adjustment =
  | { kind: 'window'; key: string; delta: number }
  | { kind: 'concurrency'; key: string }
  | { kind: 'budget'; key: string; delta: number };

export interface LimitStore {
  readonly kind: 'memory' | 'redis';
  /**
   * Checks and, when all pass, commits. `id` names the reservation so settle can adjust it.
   * The memory store answers synchronously (no microtask on the hot path).
   */
  admit(id: string, checks: readonly Check[]): AdmitResult | Promise<AdmitResult>;
  /** Off the response path: never awaited by the request, never throws. */
  settle(id: string, adjustments: readonly Adjustment[]): void;
  /** Resolves when every settle issued so far has been applied (tests, shutdown). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** The store could not answer (Redis down or too slow). The stage applies the configured mode. */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}
