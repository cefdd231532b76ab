/**
 * The audit trail: one CloudTrail-like event per API call, sealed into a per-instance hash chain. Each event's body
 * is canonical JSON that names its instance, its sequence number and the previous event's hash; its hash is the
 * SHA-256 of that body. Editing, deleting, inserting or reordering events therefore breaks the chain, and the
 * signed digests (digest.ts) pin its head so truncation and rewriting the whole tail are caught too.
 */
import { randomUUID } from 'node:crypto';
import type { RequestContext } from '../pipeline/context.js';
import type { AuditRow } from '../store/records-types.js';
import { GENESIS_HASH, sha256Hex } from './canonical.js';
import { principalSummary } from './invocation.js';
import type { AuditEvent, AuditEventInput } from './types.js';

const SECRET_KEY = /(pass(word)?|secret|token|api[-_]?key|authori[sz]ation|credential|private[-_]?key|cookie|^key$)/i;
const MAX_DEPTH = 6;
const MAX_STRING = 2048;
const MAX_ITEMS = 100;

/**
 * Request parameters as they may be logged: values under secret-looking keys are replaced, deep or long values are
 * cut. Admin handlers should still pass only the fields that matter; this is the net under them.
 */
export function sanitize(value: unknown, depth = 0): unknown {
  if (value === null || value === undefined) return value;
  if (typeof value === 'string') return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…[cut]` : value;
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (value instanceof Date) return value.toISOString();
  if (depth >= MAX_DEPTH) return '[deep]';
  if (Array.isArray(value)) return value.slice(0, MAX_ITEMS).map((v) => sanitize(v, depth + 1));
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    let n = 0;
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (n++ >= MAX_ITEMS) break;
      out[k] = SECRET_KEY.test(k) ? '[REDACTED]' : sanitize(v, depth + 1);
    }
    return out;
  }
  return String(value);
}

/** The data-plane event of a request. Content is never in it: the invocation record (linked by hash) holds that. */
export function dataPlaneEvent(ctx: RequestContext, invocationHash?: string): AuditEventInput {
  const chat = ctx.chat;
  return {
    eventName: ctx.action,
    eventSource: 'rampart.data',
    eventTime: ctx.startedAt,
    requestId: ctx.requestId,
    principal: principalSummary(ctx.principal),
    sourceIPAddress: ctx.sourceIp,
    userAgent: ctx.userAgent,
    requestParameters: {
      clientApi: ctx.clientApi,
      modelId: chat?.model ?? ctx.embed?.model ?? ctx.model?.name,
      stream: chat?.stream,
      maxTokens: chat?.maxTokens,
      messages: chat?.messages.length,
      tools: chat?.tools?.length,
      inputs: ctx.embed?.input.length,
    },
    responseElements: {
      status: ctx.status ?? (ctx.error ? ctx.error.status : 0),
      deployment: ctx.deployment?.id,
      truncated: ctx.truncated || undefined,
      guardrails: ctx.guardrails.length
        ? ctx.guardrails.map((g) => ({ id: g.guardrailId, source: g.source, action: g.action, mode: g.mode }))
        : undefined,
    },
    errorCode: ctx.error?.code,
    readOnly: ctx.operation === 'list_models',
    authorization: ctx.decision && {
      decision: ctx.decision.decision,
      policyIds: ctx.decision.policyIds,
      errors: ctx.decision.errors,
    },
    invocationHash,
  };
}

/** The chain head of one instance: the next event gets seq + 1 and links to hash. */
export interface ChainHead {
  seq: number;
  hash: string;
}

export class AuditChain {
  private head: ChainHead;

  constructor(
    readonly instanceId: string,
    head?: ChainHead,
  ) {
    this.head = head ?? { seq: 0, hash: GENESIS_HASH };
  }

  get current(): ChainHead {
    return this.head;
  }

  /**
   * Seals an event into the chain. `sanitizeParams` may be false only for parameters built by Rampart itself (the
   * data-plane event), which hold no secrets by construction; admin handlers' parameters are always sanitised.
   * The body is JSON.stringify output (the hash covers the stored bytes); `_chain` is written first so the verifier
   * can check the link with a string comparison.
   */
  seal(input: AuditEventInput, sanitizeParams = true): AuditRow {
    const seq = this.head.seq + 1;
    const event: AuditEvent = {
      _chain: { instanceId: this.instanceId, prevHash: this.head.hash, seq },
      ...input,
      eventVersion: '1.0',
      eventId: randomUUID(),
      eventTime: input.eventTime.toISOString(),
      requestParameters: sanitizeParams ? sanitize(input.requestParameters) : input.requestParameters,
      responseElements: sanitizeParams ? sanitize(input.responseElements) : input.responseElements,
    };
    const body = JSON.stringify(event);
    const hash = sha256Hex(body);
    this.head = { seq, hash };
    return {
      instanceId: this.instanceId,
      seq,
      eventId: event.eventId,
      time: input.eventTime,
      eventName: input.eventName,
      principalId: input.principal?.id,
      application: input.principal?.application,
      decision: input.authorization?.decision,
      errorCode: input.errorCode,
      readOnly: input.readOnly,
      prevHash: event._chain.prevHash,
      hash,
      body,
    };
  }
}

/** The prefix every sealed body starts with; the verifier checks it instead of parsing the JSON. */
export function chainPrefix(instanceId: string, prevHash: string, seq: number): string {
  return `{"_chain":{"instanceId":${JSON.stringify(instanceId)},"prevHash":"${prevHash}","seq":${seq}},`;
}

/** Rebuilds the queryable columns from a stored body (spool replay). */
export function auditRowFromBody(body: string, hash: string): AuditRow {
  const e = JSON.parse(body) as AuditEvent;
  return {
    instanceId: e._chain.instanceId,
    seq: e._chain.seq,
    eventId: e.eventId,
    time: new Date(e.eventTime),
    eventName: e.eventName,
    principalId: e.principal?.id,
    application: e.principal?.application,
    decision: e.authorization?.decision,
    errorCode: e.errorCode,
    readOnly: e.readOnly,
    prevHash: e._chain.prevHash,
    hash,
    body,
  };
}
