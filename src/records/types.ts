/**
 * The records subsystem's data shapes: the invocation record (after Bedrock's ModelInvocationLog, extended), the
 * CloudTrail-like audit event, and the sink contract. Rows as stored are in src/store/records-types.ts.
 */
import type { AuditRow, InvocationRow } from '../store/records-types.js';
import type { Envelope } from './crypto.js';

export type ContentPolicy = 'full' | 'masked' | 'metadata';

export interface PrincipalSummary {
  id: string;
  kind: string;
  name: string;
  authMethod: string;
  keyId?: string;
  roles: string[];
  team?: string;
  application?: string;
}

export interface GuardrailSummary {
  guardrailId: string;
  version: string;
  source: 'INPUT' | 'OUTPUT';
  action: 'NONE' | 'INTERVENED' | 'ANONYMIZED';
  mode: 'enforce' | 'shadow';
  /** Detector and type only: the matched text itself is never logged. */
  findings: Array<{ detector: string; type: string; confidence: string }>;
}

export interface AuthorizationSummary {
  decision: 'allow' | 'deny';
  policyIds: string[];
  errors: string[];
}

export interface InvocationRecord {
  schemaType: 'ModelInvocationLog';
  schemaVersion: '1.0';
  timestamp: string;
  requestId: string;
  /** The Rampart action: InvokeModel, InvokeModelWithResponseStream, Embed. */
  operation: string;
  modelId?: string;
  identity: { arn?: string };
  input: {
    inputContentType: 'application/json';
    inputBodyJson?: unknown;
    inputBodyEncrypted?: Envelope;
    inputTokenCount?: number;
  };
  output: {
    outputContentType: 'application/json';
    outputBodyJson?: unknown;
    outputBodyEncrypted?: Envelope;
    outputTokenCount?: number;
  };
  errorCode?: string;
  // Rampart's extensions.
  instanceId: string;
  principal?: PrincipalSummary;
  application?: string;
  sourceIPAddress: string;
  userAgent?: string;
  clientApi: string;
  deployment?: { id: string; provider: string; upstreamModel: string; region?: string };
  attempts: number;
  status: number;
  stream: boolean;
  truncated?: boolean;
  latency: { totalMs: number; timeToFirstTokenMs?: number };
  guardrails: GuardrailSummary[];
  authorization?: AuthorizationSummary;
  cost?: unknown;
  contentPolicy: ContentPolicy;
}

export type EventSource = 'rampart.data' | 'rampart.admin';

/** An audit event before it is sealed into the chain. */
export interface AuditEventInput {
  eventName: string;
  eventSource: EventSource;
  eventTime: Date;
  requestId: string;
  principal?: PrincipalSummary;
  sourceIPAddress?: string;
  userAgent?: string;
  /** Sanitised by the recorder (secret-looking keys are redacted, size is bounded). */
  requestParameters?: unknown;
  /** For writes; admin changes carry { before, after }. */
  responseElements?: unknown;
  errorCode?: string;
  readOnly: boolean;
  authorization?: AuthorizationSummary;
  /** Links a data-plane event to its invocation record. */
  invocationHash?: string;
}

/** The sealed audit event as hashed: `_chain` sorts first so the verifier can check it without parsing. */
export interface AuditEvent extends Omit<AuditEventInput, 'eventTime'> {
  _chain: { instanceId: string; prevHash: string; seq: number };
  eventVersion: '1.0';
  eventId: string;
  eventTime: string;
}

/** One spool entry: every call has an audit event; model calls also have an invocation record. */
export interface RecordEntry {
  seq: number;
  invocation?: InvocationRow;
  audit: AuditRow;
}

export interface RecordBatch {
  invocations: InvocationRow[];
  audit: AuditRow[];
}

/**
 * Where records go. `write` must be idempotent or at-least-once tolerant: after a crash the spool replays entries
 * whose delivery was not acknowledged. A rejection makes the recorder retry the same batch (never a later one
 * first), so per-instance audit order is kept in every sink.
 */
export interface Sink {
  readonly name: string;
  /**
   * The sink may be given the next batch before the last one settled. Delivery keeps two batches in flight only
   * when every sink says so; otherwise batches go one after another, in seq order.
   */
  readonly concurrent?: boolean;
  write(batch: RecordBatch): Promise<void>;
  close(): Promise<void>;
}
