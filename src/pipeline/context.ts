import type { IncomingHttpHeaders } from 'node:http';
import type { Principal, RequestFacts } from '../identity/types.js';
import type { Decision, Action } from '../authz/types.js';
import type { ChatRequest, ChatResponse, EmbeddingRequest, EmbeddingResponse, StreamEvent, Usage } from '../translate/ir.js';
import type { RampartError } from '../errors.js';
import type { Deployment } from '../providers/types.js';
import type { CompiledModel } from '../config/compile.js';
import type { Runtime } from '../config/runtime.js';
import type { Finding } from '../guardrails/types.js';

export type ClientApi = 'openai' | 'anthropic' | 'bedrock';
export type Operation = 'chat' | 'embed' | 'list_models' | 'apply_guardrail';

/** One guardrail's verdict on one side of the call. */
export interface GuardrailOutcome {
  guardrailId: string;
  version: string;
  source: 'INPUT' | 'OUTPUT';
  action: 'NONE' | 'INTERVENED' | 'ANONYMIZED';
  findings: Finding[];
  mode: 'enforce' | 'shadow';
  /** The Bedrock-shaped assessment for traces and ApplyGuardrail. */
  assessment?: unknown;
}

/**
 * The one typed context every stage reads and writes. Created by the server face, filled in by
 * the stages in order (see stages.ts), read by the face to answer and by `record` to log.
 */
export interface RequestContext {
  readonly requestId: string;
  readonly receivedAt: number; // performance.now()
  readonly startedAt: Date;
  readonly clientApi: ClientApi;
  readonly operation: Operation;
  readonly action: Action;
  readonly sourceIp: string;
  readonly userAgent?: string;
  readonly headers: IncomingHttpHeaders;
  /** Method, raw URL and verified peer certificate, for the authenticate stage (required by it: identity/). */
  readonly http?: RequestFacts;
  /** Aborted when the client goes away or the gateway gives up. */
  readonly signal: AbortSignal;
  /** The compiled config this request runs under; a reload never changes it mid-request. */
  readonly runtime: Runtime;
  /** The raw request body (SigV4 verifies its hash). */
  rawBody?: Buffer;

  // authenticate
  principal?: Principal;
  // authorize
  decision?: Decision;
  // the decoded request (chat or embeddings)
  chat?: ChatRequest;
  embed?: EmbeddingRequest;
  /** The catalog model the request names (resolved by authorize's lookup). */
  model?: CompiledModel;
  // guard input / guard output
  guardrails: GuardrailOutcome[];
  // route
  deployment?: Deployment;
  attempts: number;
  response?: ChatResponse;
  stream?: AsyncIterable<StreamEvent>;
  embedding?: EmbeddingResponse;
  // filled while answering
  usage?: Usage;
  firstByteAt?: number;
  finishedAt?: number;
  status?: number;
  error?: RampartError;
  /** The stream ended early (client gone, upstream cut, gateway shutdown). */
  truncated?: boolean;
}
