import { StoreUnavailableError, type AdmitResult, type Adjustment, type Check, type LimitStore } from './types.js';

/**
 * onUnavailable: local. While the shared store cannot answer, this instance enforces the same
 * rules in its own memory (so N instances admit up to N times a limit until Redis is back);
 * a reservation is settled in the store that admitted it.
 */
export class FallbackLimitStore implements LimitStore {
  get kind() { return this.primary.kind; }
  private readonly local = new Set<string>();

  constructor(
    private readonly primary: LimitStore,
    private readonly fallback: LimitStore,
    private readonly onFallback: (err: unknown) => void = () => {},
  ) {}

  async admit(id: string, checks: readonly Check[]): Promise<AdmitResult> {
    try {
      return await this.primary.admit(id, checks);
    } catch (err) {
      if (!(err instanceof StoreUnavailableError)) throw err;
      this.onFallback(err);
      const r = await this.fallback.admit(id, checks);
      if (r.admitted) this.local.add(id);
      return r;
    }
  }

  settle(id: string, adjustments: readonly Adjustment[]): void {
    if (this.local.delete(id)) this.fallback.settle(id, adjustments);
    else this.primary.settle(id, adjustments);
  }

  async flush(): Promise<void> {
    await Promise.all([this.primary.flush(), this.fallback.flush()]);
  }

  async close(): Promise<void> {
    await Promise.all([this.primary.close(), this.fallback.close()]);
  }
}
