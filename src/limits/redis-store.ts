import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { ADMIT_LUA, SETTLE_LUA } from './redis-scripts.js';
import { StoreUnavailableError, type AdmitResult, type Adjustment, type Check, type CheckResult, type LimitStore } from './types.js';

export interface RedisStoreOptions {
  url: string;
  keyPrefix?: string;
  /** Longest wait for one command before Redis counts as unavailable. */
  commandTimeoutMs?: number;
  /** Called when a settle could not be applied (it is never retried: the lease/window expiry bounds the error). */
  onSettleError?: (err: unknown) => void;
}

const KIND = { window: 'w', concurrency: 'c', budget: 'b' } as const;
const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');

/**
 * Exact limits across gateway instances: admission is one EVALSHA (one blocking round trip);
 * settles are fire-and-forget and auto-pipelined by ioredis (commands issued in the same tick go
 * out in one write), so they never sit on the response path.
 */
export class RedisLimitStore implements LimitStore {
  readonly kind = 'redis' as const;
  readonly redis: Redis;
  private readonly prefix: string;
  private readonly admitSha = sha1(ADMIT_LUA);
  private readonly settleSha = sha1(SETTLE_LUA);
  private readonly pending = new Set<Promise<unknown>>();
  private readonly onSettleError: (err: unknown) => void;

  constructor(opts: RedisStoreOptions) {
    this.prefix = opts.keyPrefix ?? 'rampart:lim:';
    this.onSettleError = opts.onSettleError ?? (() => {});
    this.redis = new Redis(opts.url, {
      lazyConnect: true,
      // Fail fast while disconnected instead of queueing requests behind a dead connection; the
      // stage then applies the configured mode (fail closed or local limits).
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: opts.commandTimeoutMs ?? 500,
      enableAutoPipelining: true,
      retryStrategy: (times) => Math.min(100 * times, 2_000),
    });
    // Connection errors surface per command; without a listener ioredis would log them itself.
    this.redis.on('error', () => {});
  }

  /** Connects; resolves even when Redis is down (requests then get the configured mode). */
  async connect(): Promise<boolean> {
    try {
      await this.redis.connect();
      return true;
    } catch {
      return false;
    }
  }

  async admit(id: string, checks: readonly Check[]): Promise<AdmitResult> {
    if (checks.length === 0) return { admitted: true, results: [] };
    const args: (string | number)[] = [checks.length];
    for (const c of checks) args.push(this.prefix + c.key);
    args.push(id);
    for (const c of checks) {
      const param = c.kind === 'window' ? c.windowMs : c.kind === 'concurrency' ? c.leaseMs : c.expireAt;
      const amount = c.kind === 'concurrency' ? 1 : c.amount;
      args.push(KIND[c.kind], c.limit, amount, param);
    }
    let raw: unknown;
    try {
      raw = await this.eval(this.admitSha, ADMIT_LUA, args);
    } catch (err) {
      throw new StoreUnavailableError('redis limit store unavailable', { cause: err });
    }
    if (!Array.isArray(raw) || raw.length !== 1 + checks.length * 4) throw new StoreUnavailableError('unexpected reply from redis');
    const nums = raw.map(Number);
    const results: CheckResult[] = [];
    for (let i = 0; i < checks.length; i++) {
      const b = 1 + i * 4;
      results.push({ used: nums[b], remaining: nums[b + 1], resetMs: nums[b + 2], ok: nums[b + 3] === 1 });
    }
    return { admitted: nums[0] === 1, results };
  }

  settle(id: string, adjustments: readonly Adjustment[]): void {
    if (adjustments.length === 0) return;
    const args: (string | number)[] = [adjustments.length];
    for (const a of adjustments) args.push(this.prefix + a.key);
    args.push(id);
    for (const a of adjustments) args.push(KIND[a.kind], a.kind === 'concurrency' ? 0 : Math.round(a.delta));
    const p = this.eval(this.settleSha, SETTLE_LUA, args).catch(this.onSettleError);
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  async close(): Promise<void> {
    await this.flush();
    this.redis.disconnect();
  }

  private async eval(sha: string, script: string, args: (string | number)[]): Promise<unknown> {
    try {
      return await this.redis.evalsha(sha, ...(args as [number, ...(string | number)[]]));
    } catch (err) {
      // First use on this Redis (or after SCRIPT FLUSH / a restart): send the script itself once.
      if (err instanceof Error && err.message.startsWith('NOSCRIPT')) return this.redis.eval(script, ...(args as [number, ...(string | number)[]]));
      throw err;
    }
  }
}
