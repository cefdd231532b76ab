import { Counter, Gauge, Histogram, Registry, registerProcessMetrics } from './prom.js';
import type { RequestContext } from '../pipeline/context.js';
import type { BreakerState } from '../routing/breaker.js';
import type { RouterHooks } from '../routing/router.js';
import type { AttemptOutcome } from '../routing/attempt.js';
import type { LimitKind } from '../limits/stage.js';

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

export interface MetricsOptions {
  /** Node process metrics (event loop lag, heap, GC...). Default true. */
  processMetrics?: boolean;
}

/**
 * Rampart's Prometheus metrics, in a registry of its own (so tests and two gateways in one process
 * do not collide). Label values come from config (models,
 * deployments, rules) or small fixed sets, never from request content, so cardinality stays bounded.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'api' | 'operation' | 'model' | 'status'>;
  private readonly latency: Histogram<'api' | 'operation' | 'model'>;
  private readonly ttfb: Histogram<'api' | 'model'>;
  private readonly tokens: Counter<'model' | 'direction'>;
  private readonly limitsHit: Counter<'rule' | 'kind'>;
  private readonly attempts: Counter<'deployment' | 'provider' | 'outcome'>;
  private readonly attemptLatency: Histogram<'deployment'>;
  private readonly retries: Counter<'deployment' | 'reason'>;
  private readonly breaker: Gauge<'deployment'>;
  private readonly guardrails: Counter<'guardrail' | 'source' | 'action' | 'mode'>;
  private readonly logQueue: Gauge<'queue'>;
  private readonly logDropped: Gauge<'queue'>;

  constructor(opts: MetricsOptions = {}) {
    const r = [this.registry];
    if (opts.processMetrics ?? true) registerProcessMetrics(this.registry, 'rampart_');
    const secs = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
    this.requests = new Counter({ name: 'rampart_requests_total', help: 'Requests answered, by client API, operation, model and HTTP status.', labelNames: ['api', 'operation', 'model', 'status'], registers: r });
    this.latency = new Histogram({ name: 'rampart_request_duration_seconds', help: 'Time from request received to answer complete.', labelNames: ['api', 'operation', 'model'], buckets: secs, registers: r });
    this.ttfb = new Histogram({ name: 'rampart_stream_first_byte_seconds', help: 'Time to the first streamed byte sent to the client.', labelNames: ['api', 'model'], buckets: secs, registers: r });
    this.tokens = new Counter({ name: 'rampart_tokens_total', help: 'Tokens by model and direction (input, output, cached_input).', labelNames: ['model', 'direction'], registers: r });
    this.limitsHit = new Counter({ name: 'rampart_limits_hit_total', help: 'Requests refused by a limit rule, by rule and kind.', labelNames: ['rule', 'kind'], registers: r });
    this.attempts = new Counter({ name: 'rampart_upstream_attempts_total', help: 'Upstream calls by deployment and outcome.', labelNames: ['deployment', 'provider', 'outcome'], registers: r });
    this.attemptLatency = new Histogram({ name: 'rampart_upstream_duration_seconds', help: 'Upstream call time (streams: until accepted).', labelNames: ['deployment'], buckets: secs, registers: r });
    this.retries = new Counter({ name: 'rampart_upstream_retries_total', help: 'Retries and fallbacks, by the deployment retried to and the failure that caused them.', labelNames: ['deployment', 'reason'], registers: r });
    this.breaker = new Gauge({ name: 'rampart_breaker_state', help: 'Circuit breaker per deployment: 0 closed, 1 half-open, 2 open.', labelNames: ['deployment'], registers: r });
    this.guardrails = new Counter({ name: 'rampart_guardrail_interventions_total', help: 'Guardrail interventions by guardrail, side, action and mode.', labelNames: ['guardrail', 'source', 'action', 'mode'], registers: r });
    this.logQueue = new Gauge({ name: 'rampart_log_queue_depth', help: 'Records waiting to be written, by queue.', labelNames: ['queue'], registers: r });
    this.logDropped = new Gauge({ name: 'rampart_log_dropped_total', help: 'Records dropped because a queue was full, by queue.', labelNames: ['queue'], registers: r });
  }

  /** From the record stage, once per request. */
  observeRequest(ctx: RequestContext): void {
    const model = ctx.model?.name ?? 'none';
    const status = String(ctx.status ?? ctx.error?.status ?? 0);
    this.requests.inc({ api: ctx.clientApi, operation: ctx.operation, model, status });
    if (ctx.finishedAt !== undefined) this.latency.observe({ api: ctx.clientApi, operation: ctx.operation, model }, (ctx.finishedAt - ctx.receivedAt) / 1000);
    if (ctx.firstByteAt !== undefined) this.ttfb.observe({ api: ctx.clientApi, model }, (ctx.firstByteAt - ctx.receivedAt) / 1000);
    const u = ctx.usage;
    if (u) {
      if (u.inputTokens) this.tokens.inc({ model, direction: 'input' }, u.inputTokens);
      if (u.outputTokens) this.tokens.inc({ model, direction: 'output' }, u.outputTokens);
      if (u.cacheReadTokens) this.tokens.inc({ model, direction: 'cached_input' }, u.cacheReadTokens);
    }
    for (const g of ctx.guardrails) {
      if (g.action !== 'NONE') this.guardrails.inc({ guardrail: g.guardrailId, source: g.source, action: g.action, mode: g.mode });
    }
  }

  /** LimitStageOptions.onLimitHit */
  limitHit = (ruleId: string, kind: LimitKind): void => { this.limitsHit.inc({ rule: ruleId, kind }); };

  /** For createRouteStage({ hooks }). */
  readonly routerHooks: RouterHooks = {
    attempt: (deployment: string, provider: string, outcome: AttemptOutcome, ms: number) => {
      this.attempts.inc({ deployment, provider, outcome });
      this.attemptLatency.observe({ deployment }, ms / 1000);
    },
    breaker: (deployment: string, state: BreakerState) => { this.breaker.set({ deployment }, BREAKER_VALUE[state]); },
    retry: (deployment: string, reason: AttemptOutcome) => { this.retries.inc({ deployment, reason }); },
  };

  /** Log/audit queue depth (the record stage's sinks). */
  setLogQueueDepth(queue: string, depth: number, dropped?: number): void {
    this.logQueue.set({ queue }, depth);
    if (dropped !== undefined) this.logDropped.set({ queue }, dropped);
  }

  /** Mount at GET /metrics. */
  handler(): { contentType: string; body(): Promise<string> } {
    return { contentType: this.registry.contentType, body: () => this.registry.metrics() };
  }
}

let defaultMetrics: Metrics | undefined;

/** The gateway's one Metrics instance. */
export function metrics(): Metrics {
  defaultMetrics ??= new Metrics();
  return defaultMetrics;
}

/** `/metrics`: { contentType, body() } for the lead's route. */
export function metricsHandler(m: Metrics = metrics()): { contentType: string; body(): Promise<string> } {
  return m.handler();
}
