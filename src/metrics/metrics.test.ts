import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Metrics, metricsHandler } from './metrics.js';
import { testContext } from '../limits/testing/context.js';

describe('metrics', () => {
  it('exposes requests, latency, tokens, limits, breakers, guardrails and log queue depth', async () => {
    const m = new Metrics({ processMetrics: false });
    const ctx = testContext();
    ctx.status = 200;
    ctx.finishedAt = ctx.receivedAt + 120;
    ctx.firstByteAt = ctx.receivedAt + 30;
    ctx.usage = { inputTokens: 11, outputTokens: 7 };
    ctx.guardrails.push({ guardrailId: 'pii', version: '1', source: 'INPUT', action: 'ANONYMIZED', findings: [], mode: 'enforce' });
    m.observeRequest(ctx);
    m.limitHit('per-key', 'rpm');
    m.routerHooks.breaker!('a/m', 'open');
    m.routerHooks.attempt!('a/m', 'a', 'error', 15);
    m.routerHooks.retry!('b/m', 'error');
    m.setLogQueueDepth('requests', 4, 1);
    const h = metricsHandler(m);
    assert.match(h.contentType, /text\/plain/);
    const body = await h.body();
    assert.match(body, /rampart_requests_total\{api="openai",operation="chat",model="gpt-test",status="200"\} 1/);
    assert.match(body, /rampart_request_duration_seconds_bucket\{le="0.25",api="openai",operation="chat",model="gpt-test"\} 1/);
    assert.match(body, /rampart_tokens_total\{model="gpt-test",direction="output"\} 7/);
    assert.match(body, /rampart_limits_hit_total\{rule="per-key",kind="rpm"\} 1/);
    assert.match(body, /rampart_breaker_state\{deployment="a\/m"\} 2/);
    assert.match(body, /rampart_upstream_attempts_total\{deployment="a\/m",provider="a",outcome="error"\} 1/);
    assert.match(body, /rampart_upstream_retries_total\{deployment="b\/m",reason="error"\} 1/);
    assert.match(body, /rampart_guardrail_interventions_total\{guardrail="pii",source="INPUT",action="ANONYMIZED",mode="enforce"\} 1/);
    assert.match(body, /rampart_log_queue_depth\{queue="requests"\} 4/);
  });
});
