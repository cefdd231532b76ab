/**
 * Builds the invocation record of one model call from the request context: Bedrock's ModelInvocationLog fields
 * plus who called, from where, through which deployment, how long it took, what the guardrails and the authorizer
 * decided and what it cost. Blocked and failed calls get a record too (errorCode set, output empty).
 */
import type { RequestContext } from '../pipeline/context.js';
import type { Principal } from '../identity/types.js';
import type { InvocationRow } from '../store/records-types.js';
import { sha256Hex } from './canonical.js';
import { inputBody, outputBody, type ContentOptions, type StreamCapture } from './content.js';
import type { Envelope } from './crypto.js';
import type { GuardrailSummary, InvocationRecord, PrincipalSummary } from './types.js';
import { stringifyJson } from '../translate/json-text.js';

/** Encrypts a payload (see payloads.ts); absent when encryption is off. */
export type Sealer = (payload: unknown, aad: string, subject: string | undefined) => Envelope;

/** Cost hook: the limits/budget stage can price a call; its answer is stored as-is. */
export type CostFn = (ctx: RequestContext) => unknown;

export interface InvocationOptions {
  instanceId: string;
  content: ContentOptions;
  seal?: Sealer;
  /** The data subject for crypto-shredding: by default the principal id. */
  subjectOf?: (ctx: RequestContext) => string | undefined;
  cost?: CostFn;
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

export function principalSummary(p: Principal | undefined): PrincipalSummary | undefined {
  if (!p) return undefined;
  return {
    id: p.id,
    kind: p.kind,
    name: p.name,
    authMethod: p.authMethod,
    keyId: p.keyId,
    roles: p.roles,
    team: p.team,
    application: p.application,
  };
}

export function guardrailSummaries(ctx: RequestContext): GuardrailSummary[] {
  return ctx.guardrails.map((g) => ({
    guardrailId: g.guardrailId,
    version: g.version,
    source: g.source,
    action: g.action,
    mode: g.mode,
    findings: g.findings.map((f) => ({ detector: f.detector, type: f.type, confidence: f.confidence })),
  }));
}

/** The strongest action any guardrail took: INTERVENED over ANONYMIZED over NONE. */
export function strongestAction(ctx: RequestContext): string | undefined {
  if (ctx.guardrails.length === 0) return undefined;
  let best = 'NONE';
  for (const g of ctx.guardrails) {
    if (g.action === 'INTERVENED') return 'INTERVENED';
    if (g.action === 'ANONYMIZED') best = 'ANONYMIZED';
  }
  return best;
}

export function buildInvocation(
  ctx: RequestContext,
  opts: InvocationOptions,
  end: number,
  captured?: StreamCapture,
): { record: InvocationRecord; row: InvocationRow } {
  const modelId = ctx.chat?.model ?? ctx.embed?.model ?? ctx.model?.name;
  const subject = opts.seal ? opts.subjectOf?.(ctx) ?? ctx.principal?.id : undefined;
  const application = ctx.principal?.application;
  const input = inputBody(ctx, opts.content);
  const output = outputBody(ctx, opts.content, captured);
  const record: InvocationRecord = {
    schemaType: 'ModelInvocationLog',
    schemaVersion: '1.0',
    timestamp: ctx.startedAt.toISOString(),
    requestId: ctx.requestId,
    operation: ctx.action,
    modelId,
    identity: { arn: ctx.principal?.id },
    input: {
      inputContentType: 'application/json',
      inputTokenCount: ctx.usage?.inputTokens ?? ctx.embedding?.usage.inputTokens,
    },
    output: { outputContentType: 'application/json', outputTokenCount: ctx.usage?.outputTokens },
    errorCode: ctx.error?.code,
    instanceId: opts.instanceId,
    principal: principalSummary(ctx.principal),
    application,
    sourceIPAddress: ctx.sourceIp,
    userAgent: ctx.userAgent,
    clientApi: ctx.clientApi,
    deployment: ctx.deployment && {
      id: ctx.deployment.id,
      provider: ctx.deployment.provider,
      upstreamModel: ctx.deployment.upstreamModel,
      region: ctx.deployment.region,
    },
    attempts: ctx.attempts,
    status: ctx.status ?? (ctx.error ? ctx.error.status : 0),
    stream: ctx.chat?.stream ?? false,
    truncated: ctx.truncated || undefined,
    latency: {
      totalMs: round(end - ctx.receivedAt),
      timeToFirstTokenMs: ctx.firstByteAt === undefined ? undefined : round(ctx.firstByteAt - ctx.receivedAt),
    },
    guardrails: guardrailSummaries(ctx),
    authorization: ctx.decision && {
      decision: ctx.decision.decision,
      policyIds: ctx.decision.policyIds,
      errors: ctx.decision.errors,
    },
    cost: opts.cost?.(ctx),
    contentPolicy: opts.content.policy,
  };
  if (opts.seal) {
    if (input !== undefined) record.input.inputBodyEncrypted = opts.seal(input, `${ctx.requestId}:input`, subject);
    if (output !== undefined) record.output.outputBodyEncrypted = opts.seal(output, `${ctx.requestId}:output`, subject);
  } else {
    record.input.inputBodyJson = input;
    record.output.outputBodyJson = output;
  }
  // The hash covers the stored bytes, so JSON.stringify output (no canonical re-ordering) is enough and cheaper; the
  // prompt and answer texts were escaped for the upstream and client bodies already (see stringifyJson).
  const body = stringifyJson(record);
  return {
    record,
    row: {
      requestId: ctx.requestId,
      time: ctx.startedAt,
      instanceId: opts.instanceId,
      action: ctx.action,
      principalId: ctx.principal?.id,
      application,
      model: modelId,
      status: record.status,
      errorCode: record.errorCode,
      decision: ctx.decision?.decision,
      guardrailAction: strongestAction(ctx),
      subject,
      hash: sha256Hex(body),
      body,
    },
  };
}

/** Rebuilds the queryable columns from a stored body (spool replay). */
export function invocationRowFromBody(body: string, hash: string): InvocationRow {
  const r = JSON.parse(body) as InvocationRecord & { input: { inputBodyEncrypted?: Envelope } };
  const g = r.guardrails.some((x) => x.action === 'INTERVENED')
    ? 'INTERVENED'
    : r.guardrails.some((x) => x.action === 'ANONYMIZED')
      ? 'ANONYMIZED'
      : r.guardrails.length
        ? 'NONE'
        : undefined;
  return {
    requestId: r.requestId,
    time: new Date(r.timestamp),
    instanceId: r.instanceId,
    action: r.operation,
    principalId: r.principal?.id,
    application: r.application,
    model: r.modelId,
    status: r.status,
    errorCode: r.errorCode,
    decision: r.authorization?.decision,
    guardrailAction: g,
    subject: r.input.inputBodyEncrypted?.subject ?? r.output.outputBodyEncrypted?.subject,
    hash,
    body,
  };
}
