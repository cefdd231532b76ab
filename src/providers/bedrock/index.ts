/**
 * The `bedrock` upstream provider: Amazon Bedrock Runtime's Converse and ConverseStream over
 * undici, signed with SigV4 (or a Bedrock API key), mapped to and from the IR.
 */
import { request, type Dispatcher } from '../undici.js';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { BedrockProviderConfig } from '../../config/schema.js';
import { RampartError } from '../../errors.js';
import type { ChatRequest, ChatResponse, EmbeddingResponse, StreamEvent } from '../../translate/ir.js';
import { createDispatcher, linkedSignal, resolveTimeouts } from '../http.js';
import { UpstreamError, type Deployment, type Provider, type UpstreamCall } from '../types.js';
import { createSigner, type RequestSigner } from './auth.js';
import { EVENTSTREAM_CONTENT_TYPE } from './eventstream.js';
import { httpError, transportError } from './errors.js';
import { fromConverseResponse } from './from-converse.js';
import { converseStreamEvents } from './stream.js';
import { toConverseRequest } from './to-converse.js';
import { stringifyJson } from '../../translate/json-text.js';

export { toConverseRequest } from './to-converse.js';
export { fromConverseResponse } from './from-converse.js';

export interface BedrockProviderOptions {
  /** Overrides the dispatcher built from the config (tests, shared pools). */
  dispatcher?: Dispatcher;
  /** Overrides the standard AWS credential chain when no static keys are configured. */
  credentialProvider?: () => Promise<AwsCredentialIdentity>;
  /** Largest non-streaming response body read, bytes. */
  maxResponseBytes?: number;
  /** Largest single event-stream frame, bytes. */
  maxFrameBytes?: number;
}

const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;
/** Error bodies are a short JSON message; more than this is not worth reading. */
const MAX_ERROR_BYTES = 64 * 1024;

/** As the config schema spells an AWS region. */
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

type Headers = Record<string, string | string[] | undefined>;

export function createBedrockProvider(cfg: BedrockProviderConfig, opts: BedrockProviderOptions = {}): Provider {
  return new BedrockProvider(cfg, opts);
}

class BedrockProvider implements Provider {
  readonly kind = 'bedrock' as const;
  readonly name: string;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly signers = new Map<string, RequestSigner>();
  private readonly maxResponseBytes: number;
  private readonly totalMs: number;

  constructor(
    private readonly cfg: BedrockProviderConfig,
    private readonly opts: BedrockProviderOptions,
  ) {
    this.name = cfg.name;
    this.ownsDispatcher = !opts.dispatcher;
    this.dispatcher =
      opts.dispatcher ?? createDispatcher({ timeouts: cfg.timeouts, caFile: cfg.caFile, proxyUrl: cfg.proxyUrl, maxConnections: cfg.maxConnections });
    this.maxResponseBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.totalMs = resolveTimeouts(cfg.timeouts).totalMs;
  }

  /** The caller's signal plus this provider's whole-call timeout (for streams: until the last event). */
  private scope(call: UpstreamCall): UpstreamCall & { end(): void } {
    const linked = linkedSignal(call.signal, this.totalMs);
    return { requestId: call.requestId, signal: linked.signal, end: linked.end };
  }

  async chat(req: ChatRequest, deployment: Deployment, outer: UpstreamCall): Promise<ChatResponse> {
    const call = this.scope(outer);
    try {
      return await this.converse(req, deployment, call);
    } finally {
      call.end();
    }
  }

  private async converse(req: ChatRequest, deployment: Deployment, call: UpstreamCall): Promise<ChatResponse> {
    const res = await this.send(req, deployment, call, 'converse');
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > this.maxResponseBytes) {
      discard(res.body);
      throw new UpstreamError('upstream_error', { message: `Bedrock response larger than ${this.maxResponseBytes} bytes.`, retryable: false });
    }
    const text = await readBounded(res.body, this.maxResponseBytes, call.signal);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new UpstreamError('upstream_error', { message: 'Bedrock returned a body that is not JSON.', retryable: false, cause: err });
    }
    return fromConverseResponse(parsed, { id: responseId(res.headers, call), model: deployment.upstreamModel });
  }

  async chatStream(req: ChatRequest, deployment: Deployment, outer: UpstreamCall): Promise<AsyncIterable<StreamEvent>> {
    const call = this.scope(outer);
    try {
      return ending(await this.converseStream(req, deployment, call), call.end);
    } catch (err) {
      call.end();
      throw err;
    }
  }

  private async converseStream(req: ChatRequest, deployment: Deployment, call: UpstreamCall): Promise<AsyncIterable<StreamEvent>> {
    const res = await this.send(req, deployment, call, 'converse-stream');
    const ct = String(res.headers['content-type'] ?? '');
    if (!ct.startsWith(EVENTSTREAM_CONTENT_TYPE)) {
      discard(res.body);
      throw new UpstreamError('upstream_error', { message: `Bedrock answered a stream with content-type ${ct || 'none'}.`, retryable: true });
    }
    const events = converseStreamEvents(res.body, {
      id: responseId(res.headers, call),
      model: deployment.upstreamModel,
      signal: call.signal,
      maxFrameBytes: this.opts.maxFrameBytes,
      destroy: () => discard(res.body),
    });
    // Resolve only once the first event is in: Bedrock reports throttling and model errors as an
    // exception frame right after a 200, and a stall before any event is a timeout. Both are still
    // retryable here, while nothing has reached the client.
    const first = await events.next();
    if (first.done) return events;
    return prepend(first.value, events);
  }

  async embed(): Promise<EmbeddingResponse> {
    throw new RampartError('bad_request', { message: 'Embeddings are not supported for Bedrock deployments yet.' });
  }

  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  /** Sends the call and returns once a 2xx answer's headers are in; non-2xx becomes UpstreamError. */
  private async send(req: ChatRequest, deployment: Deployment, call: UpstreamCall, op: 'converse' | 'converse-stream') {
    const region = deployment.region ?? this.cfg.region;
    // The region becomes part of the hostname: anything but a region name would move the egress.
    if (!REGION.test(region)) throw new UpstreamError('upstream_error', { message: `Invalid AWS region '${region}' for deployment ${deployment.id}.`, retryable: false });
    const base = this.cfg.endpoint ?? `https://bedrock-runtime.${region}.amazonaws.com`;
    const url = new URL(`${base.replace(/\/+$/, '')}/model/${encodeURIComponent(deployment.upstreamModel)}/${op}`);
    const body = stringifyJson(toConverseRequest(req));
    const accept = op === 'converse' ? 'application/json' : EVENTSTREAM_CONTENT_TYPE;
    let headers: Record<string, string>;
    try {
      headers = await this.signer(region)({ url, method: 'POST', body, headers: { 'content-type': 'application/json', accept } });
    } catch (err) {
      throw transportError(err, call.signal, false);
    }
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, { method: 'POST', headers, body, dispatcher: this.dispatcher, signal: call.signal });
    } catch (err) {
      throw transportError(err, call.signal, false);
    }
    if (res.statusCode >= 200 && res.statusCode < 300) return res;
    let text = '';
    try {
      text = await readBounded(res.body, MAX_ERROR_BYTES, call.signal, 'truncate');
    } catch {
      // The status alone still says what happened.
    }
    throw httpError(res.statusCode, res.headers as Headers, text);
  }

  private signer(region: string): RequestSigner {
    let s = this.signers.get(region);
    if (!s) {
      s = createSigner({
        region,
        accessKeyId: this.cfg.accessKeyId,
        secretAccessKey: this.cfg.secretAccessKey,
        sessionToken: this.cfg.sessionToken,
        bearerToken: this.cfg.bearerToken,
        credentialProvider: this.opts.credentialProvider,
      });
      this.signers.set(region, s);
    }
    return s;
  }
}

async function* prepend(first: StreamEvent, rest: AsyncGenerator<StreamEvent>): AsyncGenerator<StreamEvent> {
  let delegated = false;
  try {
    yield first;
    delegated = true;
    yield* rest;
  } finally {
    // A consumer that stops at the first event never reached `yield*`: close the source ourselves.
    if (!delegated) await rest.return(undefined);
  }
}

/**
 * Drops a body we will not read. undici's BodyReadable emits 'error' (UND_ERR_ABORTED) when
 * destroyed; without a listener that would be an uncaught exception that kills the process.
 */
function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => {});
  body.destroy();
}

function responseId(headers: Headers, call: UpstreamCall): string {
  const h = headers['x-amzn-requestid'];
  return (Array.isArray(h) ? h[0] : h) ?? call.requestId;
}

/**
 * Reads a body up to `limit` bytes. Past it: 'fail' destroys the body and throws (a response
 * that large is not one we will buffer); 'truncate' keeps what fits (error bodies).
 */
/** Runs `end` once the stream is over: finished, failed or abandoned by its consumer. */
async function* ending(events: AsyncIterable<StreamEvent>, end: () => void): AsyncGenerator<StreamEvent> {
  try {
    yield* events;
  } finally {
    end();
  }
}

async function readBounded(body: Dispatcher.ResponseData['body'], limit: number, signal: AbortSignal, mode: 'fail' | 'truncate' = 'fail'): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      size += chunk.byteLength;
      if (size > limit) {
        discard(body);
        if (mode === 'truncate') {
          chunks.push(chunk.subarray(0, chunk.byteLength - (size - limit)));
          break;
        }
        throw new UpstreamError('upstream_error', { message: `Bedrock response larger than ${limit} bytes.`, retryable: false });
      }
      chunks.push(chunk);
    }
  } catch (err) {
    throw transportError(err, signal, false);
  }
  return Buffer.concat(chunks).toString('utf8');
}
