import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CircuitBreaker, type BreakerState } from './breaker.js';
import { BreakerSchema } from './schema.js';
import { RetryBudget, backoffMs } from './retry.js';
import { orderCandidates, type Candidate } from './strategies.js';
import { DeploymentHealth } from './health.js';

describe('circuit breaker', () => {
  const cfg = BreakerSchema.parse({ failureThreshold: 3, openMs: 1000, maxOpenMs: 3000, halfOpenMax: 1, ejection: { window: 10, minRequests: 6, failureRate: 0.5 } });

  it('opens after consecutive failures, half-opens after openMs, closes on a good probe', () => {
    const states: BreakerState[] = [];
    const b = new CircuitBreaker(cfg, (s) => states.push(s));
    for (let i = 0; i < 3; i++) b.record(b.tryAcquire(0)!, 'failure', 0);
    assert.equal(b.state, 'open');
    assert.equal(b.tryAcquire(999), undefined);
    assert.equal(b.retryInMs(500), 500);
    const probe = b.tryAcquire(1000);
    assert.deepEqual(probe, { probe: true });
    assert.equal(b.tryAcquire(1000), undefined, 'one probe at a time');
    b.record(probe!, 'success', 1001);
    assert.equal(b.state, 'closed');
    assert.deepEqual(states, ['open', 'half_open', 'closed']);
  });

  it('a failed probe re-opens for twice as long, capped', () => {
    const b = new CircuitBreaker(cfg);
    for (let i = 0; i < 3; i++) b.record(b.tryAcquire(0)!, 'failure', 0);
    b.record(b.tryAcquire(1000)!, 'failure', 1000);
    assert.equal(b.state, 'open');
    assert.equal(b.retryInMs(1000), 2000);
    b.record(b.tryAcquire(3000)!, 'failure', 3000);
    assert.equal(b.retryInMs(3000), 3000, 'capped at maxOpenMs');
  });

  it('ejects an outlier by failure rate even without a failure streak', () => {
    const b = new CircuitBreaker(cfg);
    const seq = [true, false, true, false, true, false]; // 50% failures, never 3 in a row
    for (const f of seq) b.record(b.tryAcquire(0)!, f ? 'failure' : 'success', 0);
    assert.equal(b.state, 'open');
  });

  it('neutral outcomes (429, client errors, client gone) change nothing', () => {
    const b = new CircuitBreaker(cfg);
    for (let i = 0; i < 10; i++) b.record(b.tryAcquire(0)!, 'neutral', 0);
    assert.equal(b.state, 'closed');
  });
});

describe('retry budget and backoff', () => {
  it('allows ratio x requests of retries plus the per-second reserve', () => {
    let t = 0;
    const b = new RetryBudget(0.1, 2, () => t);
    for (let i = 0; i < 100; i++) b.deposit();
    let n = 0;
    while (b.tryWithdraw()) n++;
    assert.equal(n, 12); // 10 from deposits + 2 reserve
    t += 500;
    assert.equal(b.tryWithdraw(), true, 'the reserve refills over time');
    assert.equal(b.tryWithdraw(), false);
  });

  it('full jitter stays within [0, min(max, base*2^n))', () => {
    assert.equal(backoffMs(3, 100, 5000, () => 0.999999), 799);
    assert.equal(backoffMs(10, 100, 5000, () => 0.5), 2500);
    assert.equal(backoffMs(0, 100, 5000, () => 0), 0);
  });
});

describe('strategies', () => {
  const cfg = BreakerSchema.parse({});
  const mk = (id: string, weight = 1): Candidate => ({ d: { id, provider: id, upstreamModel: 'm', weight }, h: new DeploymentHealth(id, cfg, () => {}) });

  it('weighted: heavier deployments come first proportionally', () => {
    const a = mk('a', 3), b = mk('b', 1);
    let seed = 1;
    const rnd = () => { seed = (seed * 16807) % 2147483647; return seed / 2147483647; };
    let first = 0;
    for (let i = 0; i < 4000; i++) if (orderCandidates([a, b], 'weighted', rnd)[0] === a) first++;
    assert.ok(first > 2800 && first < 3200, `a first ${first}/4000, expected ~3000`);
  });

  it('least-busy and lowest-latency', () => {
    const a = mk('a'), b = mk('b');
    a.h.inflight = 5; b.h.inflight = 1;
    assert.equal(orderCandidates([a, b], 'least-busy', Math.random)[0], b);
    a.h.observeLatency(50, 0.3); b.h.observeLatency(400, 0.3);
    assert.equal(orderCandidates([a, b], 'lowest-latency', Math.random)[0], a);
    const c = mk('c'); // never measured: explored first
    assert.equal(orderCandidates([a, b, c], 'lowest-latency', Math.random)[0], c);
  });
});

describe('circuit breaker: lost probes', () => {
  it('a probe that never reports back frees its slot after openMs', () => {
    const b = new CircuitBreaker(BreakerSchema.parse({ failureThreshold: 1, openMs: 100 }));
    b.record(b.tryAcquire(0)!, 'failure', 0);
    assert.ok(b.tryAcquire(100)?.probe); // lost: never recorded
    assert.equal(b.tryAcquire(150), undefined);
    assert.ok(b.tryAcquire(200)?.probe);
  });
});
