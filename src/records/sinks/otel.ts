/**
 * OpenTelemetry spans for model calls, with the GenAI semantic-convention attributes (gen_ai.*), one CLIENT span per
 * invocation record, timed from the record (start = timestamp, end = start + total latency). Audit events are not
 * spans: they belong in an append-only store. The tracer comes from the application's OpenTelemetry setup
 * (e.g. @opentelemetry/sdk-node), which owns exporters and sampling.
 */
import { SpanKind, SpanStatusCode, type Attributes, type Tracer } from '@opentelemetry/api';
import type { InvocationRecord, RecordBatch, Sink } from '../types.js';

function operationName(r: InvocationRecord): string {
  return r.operation === 'Embed' ? 'embeddings' : 'chat';
}

/** Reads a field of a logged payload, when the content policy kept it. */
function field(body: unknown, key: string): unknown {
  return body && typeof body === 'object' ? (body as Record<string, unknown>)[key] : undefined;
}

export function genAiAttributes(r: InvocationRecord): Attributes {
  const a: Attributes = {
    'gen_ai.operation.name': operationName(r),
    'gen_ai.provider.name': r.deployment?.provider ?? 'rampart',
    'rampart.request_id': r.requestId,
    'rampart.client_api': r.clientApi,
    'rampart.status': r.status,
    'rampart.stream': r.stream,
  };
  const set = (k: string, v: unknown) => {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') a[k] = v;
  };
  set('gen_ai.request.model', r.modelId);
  set('gen_ai.response.model', r.deployment?.upstreamModel);
  set('gen_ai.usage.input_tokens', r.input.inputTokenCount);
  set('gen_ai.usage.output_tokens', r.output.outputTokenCount);
  set('gen_ai.request.max_tokens', field(r.input.inputBodyJson, 'maxTokens'));
  set('gen_ai.request.temperature', field(r.input.inputBodyJson, 'temperature'));
  set('gen_ai.response.id', field(r.output.outputBodyJson, 'id'));
  const stop = field(r.output.outputBodyJson, 'stopReason');
  if (typeof stop === 'string') a['gen_ai.response.finish_reasons'] = [stop];
  set('error.type', r.errorCode);
  set('rampart.principal.id', r.principal?.id);
  set('rampart.application', r.application);
  set('rampart.deployment', r.deployment?.id);
  set('rampart.authz.decision', r.authorization?.decision);
  set('rampart.latency.ttft_ms', r.latency.timeToFirstTokenMs);
  set('rampart.truncated', r.truncated);
  const actions = r.guardrails.map((g) => g.action);
  if (actions.length) a['rampart.guardrail.actions'] = actions;
  return a;
}

export function otelSink(opts: { tracer: Tracer; name?: string }): Sink {
  return {
    name: opts.name ?? 'otel',
    concurrent: true,
    async write(batch: RecordBatch): Promise<void> {
      for (const row of batch.invocations) {
        const r = JSON.parse(row.body) as InvocationRecord;
        const start = Date.parse(r.timestamp);
        const span = opts.tracer.startSpan(`${operationName(r)} ${r.modelId ?? ''}`.trim(), {
          kind: SpanKind.CLIENT,
          startTime: start,
          attributes: { ...genAiAttributes(r), 'rampart.record.hash': row.hash },
        });
        if (r.errorCode) span.setStatus({ code: SpanStatusCode.ERROR, message: r.errorCode });
        span.end(start + r.latency.totalMs);
      }
    },
    async close(): Promise<void> {
      // The tracer provider is flushed and shut down by the application that owns it.
    },
  };
}
