import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Req, Res } from './http.js';
import { newRequestContext } from './context.js';
import { parseJsonBody, readBody, send, sendJson, writeChunk } from './http.js';
import type { ChatFace, EmbeddingFace, EncodeExtras, WireAnswer } from './faces/types.js';
import type { ClientApi, Operation, RequestContext } from '../pipeline/context.js';
import type { Action } from '../authz/types.js';
import type { Stages } from '../pipeline/stages.js';
import { finish, runStages } from '../pipeline/pipeline.js';
import { RampartError, toRampartError } from '../errors.js';
import type { ChatResponse, StreamEvent } from '../translate/ir.js';
import type { RuntimeHolder } from '../config/runtime.js';
import type { CompiledModel } from '../config/compile.js';
import { newRequestId } from './request-id.js';

export interface ModelListFace {
  /** GET /v1/models and /v1/models/{id}, OpenAI or Anthropic list format. */
  list(models: CompiledModel[], format: 'openai' | 'anthropic', requestId: string): WireAnswer;
  one(model: CompiledModel, format: 'openai' | 'anthropic', requestId: string): WireAnswer;
}

export interface Faces {
  openai: ChatFace & EmbeddingFace;
  anthropic: ChatFace;
  bedrock: ChatFace;
  models: ModelListFace;
}

/** The guardrail an ApplyGuardrail request names (read by the authorize stage). */
export const guardrailOf = new WeakMap<RequestContext, string>();

/** Extra routes (admin API, metrics) mounted by the composition root; return false when not theirs. */
export type ExtraRoute = (req: Req, res: Res, ctx: { requestId: string; path: string }) => boolean;

export interface HandlerDeps {
  holder: RuntimeHolder;
  stages: Stages;
  faces: Faces;
  logger: Logger;
  /** Filters GET /v1/models to what the caller may invoke. */
  visibleModels?: (ctx: RequestContext, models: CompiledModel[]) => CompiledModel[] | Promise<CompiledModel[]>;
  ready: () => { ok: boolean; detail: Record<string, unknown> };
  /** The client address: the peer, or X-Forwarded-For when the peer is a trusted proxy. */
  clientIp: (peer: string, xff: string | string[] | undefined) => string;
  closing: () => boolean;
  extraRoutes?: ExtraRoute[];
  /**
   * Durable records: admit() refuses work when records cannot be written (fail closed);
   * beforeLastByte(ctx) makes the record durable before an answer's final bytes; a stream is marked
   * started before its first byte (a crash then leaves a truncated record) and its text captured.
   */
  durable?: {
    admit(): void;
    beforeLastByte(ctx: RequestContext): Promise<void>;
    streamStarted(ctx: RequestContext): Promise<void>;
    captureStream(ctx: RequestContext, events: AsyncIterable<StreamEvent>): AsyncIterable<StreamEvent>;
  };
  /** ApplyGuardrail: runs the named guardrail version on the decoded body; answers Bedrock's JSON. */
  applyGuardrail?: (ctx: RequestContext, body: unknown, ref: { id: string; version: string }) => unknown | Promise<unknown>;
}

interface ChatRoute { face: ChatFace; api: ClientApi; modelFromPath?: string; stream?: boolean }

/** The request handler shared by the HTTP/1.1 and HTTP/2 servers. */
export function createHandler(deps: HandlerDeps): (req: Req, res: Res) => void {
  const { faces, stages, logger } = deps;

  const newContext = (req: Req, res: Res, api: ClientApi, operation: Operation, action: Action, requestId: string): RequestContext =>
    newRequestContext(req, res, { holder: deps.holder, clientIp: deps.clientIp, api, operation, action, requestId });

  const fail = (ctx: RequestContext, err: unknown): RampartError => {
    const r = toRampartError(err);
    if (r.code === 'internal') logger.error({ err, requestId: ctx.requestId }, 'internal error');
    ctx.error = r;
    return r;
  };

  const answer = (res: Res, a: WireAnswer, requestId: string) => {
    send(res, a.status, { 'x-request-id': requestId, ...a.headers }, a.body);
  };

  /** Answers once the call's record is durable; if it cannot be made durable, the answer is not sent. */
  const answerRecorded = async (ctx: RequestContext, res: Res, a: WireAnswer) => {
    ctx.status = a.status;
    ctx.finishedAt = performance.now();
    if (deps.durable) {
      try {
        await deps.durable.beforeLastByte(ctx);
      } catch (err) {
        logger.error({ err, requestId: ctx.requestId }, 'record not durable; answer withheld');
        res.destroy();
        return;
      }
    }
    answer(res, a, ctx.requestId);
  };

  const extras = (ctx: RequestContext): EncodeExtras => ({
    requestId: ctx.requestId,
    guardrails: ctx.guardrails,
    latencyMs: () => Math.round(performance.now() - ctx.receivedAt),
  });

  async function authenticateAndRead(req: Req, res: Res, ctx: RequestContext): Promise<unknown> {
    const limit = ctx.runtime.config.server.bodyLimitBytes;
    const raw = await readBody(req, res, limit);
    ctx.rawBody = raw;
    const p = stages.authenticate.run(ctx);
    if (p) await p;
    return parseJsonBody(raw);
  }

  function resolveModel(ctx: RequestContext, name: string, type: 'chat' | 'embedding'): void {
    const m = ctx.runtime.models.get(name);
    if (!m || m.type !== type) throw new RampartError('model_not_found', { message: `The model '${truncate(name)}' does not exist or is not a ${type} model.`, param: 'model' });
    ctx.model = m;
  }

  async function chat(req: Req, res: Res, route: ChatRoute, requestId: string) {
    const ctx = newContext(req, res, route.api, 'chat', route.stream ? 'InvokeModelWithResponseStream' : 'InvokeModel', requestId);
    try {
      deps.durable?.admit();
      const body = await authenticateAndRead(req, res, ctx);
      ctx.chat = route.face.decodeChat(body, { modelFromPath: route.modelFromPath, stream: route.stream });
      if (ctx.chat.stream) (ctx as { action: Action }).action = 'InvokeModelWithResponseStream';
      resolveModel(ctx, ctx.chat.model, 'chat');
      try {
        await runStages(stages, ctx);
      } catch (err) {
        // An input guardrail intervention is an answer, not an error: the blocked message with
        // finish_reason content_filter (OpenAI), stop_reason refusal (Anthropic), stopReason
        // guardrail_intervened and trace.guardrail (Bedrock), as the providers' own guardrails do.
        if (!(err instanceof RampartError) || err.code !== 'guardrail_intervened') throw err;
        ctx.error = err;
        const blocked = blockedAnswer(ctx, err.message);
        if (ctx.chat.stream) ctx.stream = eventsOf(blocked);
        else ctx.response = blocked;
      }
      if (ctx.stream) await pipeStream(route.face, ctx, res);
      else if (ctx.response) {
        ctx.usage = ctx.response.usage;
        await answerRecorded(ctx, res, route.face.encodeChat(ctx.response, ctx.chat, extras(ctx)));
      } else throw new Error('route stage produced no response');
    } catch (err) {
      const r = fail(ctx, err);
      if (!res.headersSent) await answerRecorded(ctx, res, route.face.encodeError(r, requestId));
      else if (!res.writableEnded) res.end();
    } finally {
      ctx.status = res.statusCode;
      finish(stages, ctx, (e) => logger.error({ err: e, requestId }, 'finish failed'));
    }
  }

  async function pipeStream(face: ChatFace, ctx: RequestContext, res: Res) {
    const chatReq = ctx.chat!;
    const enc = face.streamEncoder(chatReq, extras(ctx));
    let events = ctx.stream!;
    if (deps.durable) {
      await deps.durable.streamStarted(ctx);
      events = deps.durable.captureStream(ctx, events);
    }
    ctx.status = 200;
    (res as import('node:http').ServerResponse).writeHead(200, {
      'content-type': enc.contentType,
      'cache-control': 'no-cache',
      'x-request-id': ctx.requestId,
      ...(ctx.clientApi === 'bedrock' ? { 'x-amzn-requestid': ctx.requestId } : {}),
    });
    try {
      for await (const ev of events) {
        if (ev.type === 'usage') ctx.usage = ev.usage;
        const frame = enc.event(ev);
        if (frame === undefined) continue;
        ctx.firstByteAt ??= performance.now();
        const ok = writeChunk(res, frame);
        if (ok === false || (ok !== true && !(await ok))) { ctx.truncated = true; return; }
      }
      const tail = enc.end();
      ctx.finishedAt = performance.now();
      await deps.durable?.beforeLastByte(ctx);
      if (tail !== undefined) await writeChunk(res, tail);
      res.end();
    } catch (err) {
      const r = fail(ctx, err);
      ctx.truncated = true;
      ctx.finishedAt = performance.now();
      if (!res.destroyed && !res.writableEnded) {
        const ok = await deps.durable?.beforeLastByte(ctx).then(() => true, () => false) ?? true;
        if (!ok) { res.destroy(); return; }
        await writeChunk(res, enc.error(r));
        res.end();
      }
    }
  }

  async function embeddings(req: Req, res: Res, requestId: string) {
    const face = faces.openai;
    const ctx = newContext(req, res, 'openai', 'embed', 'Embed', requestId);
    try {
      deps.durable?.admit();
      const body = await authenticateAndRead(req, res, ctx);
      ctx.embed = face.decodeEmbedding(body);
      resolveModel(ctx, ctx.embed.model, 'embedding');
      await runStages(stages, ctx);
      const out = ctx.embedding!;
      ctx.usage = { inputTokens: out.usage.inputTokens, outputTokens: 0 };
      await answerRecorded(ctx, res, face.encodeEmbedding(out, ctx.embed, extras(ctx)));
    } catch (err) {
      await answerRecorded(ctx, res, face.encodeError(fail(ctx, err), requestId));
    } finally {
      ctx.status = res.statusCode;
      finish(stages, ctx, (e) => logger.error({ err: e, requestId }, 'finish failed'));
    }
  }

  async function models(req: Req, res: Res, id: string | undefined, requestId: string) {
    const format = req.headers['anthropic-version'] !== undefined ? 'anthropic' : 'openai';
    const face = format === 'anthropic' ? faces.anthropic : faces.openai;
    const ctx = newContext(req, res, format, 'list_models', 'ListModels', requestId);
    try {
      const p = stages.authenticate.run(ctx);
      if (p) await p;
      const all = [...ctx.runtime.models.values()].filter((m) => m.stage !== 'retired');
      const visible = deps.visibleModels ? await deps.visibleModels(ctx, all) : all;
      if (id === undefined) answer(res, faces.models.list(visible, format, requestId), requestId);
      else {
        const m = visible.find((x) => x.name === id);
        if (!m) throw new RampartError('model_not_found', { message: `The model '${truncate(id)}' does not exist.` });
        answer(res, faces.models.one(m, format, requestId), requestId);
      }
    } catch (err) {
      answer(res, face.encodeError(fail(ctx, err), requestId), requestId);
    } finally {
      ctx.status = res.statusCode;
      finish(stages, ctx, (e) => logger.error({ err: e, requestId }, 'finish failed'));
    }
  }

  async function applyGuardrailRoute(req: Req, res: Res, ref: { id: string; version: string }, requestId: string) {
    const face = faces.bedrock;
    const ctx = newContext(req, res, 'bedrock', 'apply_guardrail', 'ApplyGuardrail', requestId);
    guardrailOf.set(ctx, ref.id);
    try {
      const body = await authenticateAndRead(req, res, ctx);
      if (stages.authorize) { const p = stages.authorize.run(ctx); if (p) await p; }
      if (!deps.applyGuardrail) throw new RampartError('not_found');
      const out = await deps.applyGuardrail(ctx, body, ref);
      await answerRecorded(ctx, res, { status: 200, headers: { 'content-type': 'application/json', 'x-amzn-requestid': requestId }, body: JSON.stringify(out) });
    } catch (err) {
      await answerRecorded(ctx, res, face.encodeError(fail(ctx, err), requestId));
    } finally {
      ctx.status = res.statusCode;
      finish(stages, ctx, (e) => logger.error({ err: e, requestId }, 'finish failed'));
    }
  }

  return function handle(req: Req, res: Res): void {
    const requestId = newRequestId();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const method = req.method ?? 'GET';
    try {
      // Draining: answer, but let HTTP/1.1 clients know this connection will not be reused.
      if (deps.closing() && 'shouldKeepAlive' in res) res.shouldKeepAlive = false;
      if (method === 'POST') {
        if (path === '/v1/chat/completions') return void chat(req, res, { face: faces.openai, api: 'openai' }, requestId);
        if (path === '/v1/messages') return void chat(req, res, { face: faces.anthropic, api: 'anthropic' }, requestId);
        if (path === '/v1/embeddings') return void embeddings(req, res, requestId);
        if (path.startsWith('/guardrail/')) {
          const g = /^\/guardrail\/([^/]+)\/version\/([^/]+)\/apply$/.exec(path);
          const id = g ? safeDecode(g[1]) : undefined;
          const version = g ? safeDecode(g[2]) : undefined;
          if (id !== undefined && version !== undefined) return void applyGuardrailRoute(req, res, { id, version }, requestId);
        }
        if (path.startsWith('/model/')) {
          const m = /^\/model\/([^/]+)\/(converse|converse-stream)$/.exec(path);
          if (m) {
            const modelFromPath = safeDecode(m[1]);
            if (modelFromPath === undefined) return answer(res, faces.bedrock.encodeError(new RampartError('bad_request', { message: 'The model id in the path is not valid percent-encoding.' }), requestId), requestId);
            return void chat(req, res, { face: faces.bedrock, api: 'bedrock', modelFromPath, stream: m[2] === 'converse-stream' }, requestId);
          }
        }
      } else if (method === 'GET') {
        if (path === '/healthz') return sendJson(res, 200, { status: 'ok' }, { 'x-request-id': requestId });
        if (path === '/readyz') {
          const r = deps.closing() ? { ok: false, detail: { closing: true } } : deps.ready();
          return sendJson(res, r.ok ? 200 : 503, { status: r.ok ? 'ready' : 'not ready', ...r.detail }, { 'x-request-id': requestId });
        }
        if (path === '/v1/models') return void models(req, res, undefined, requestId);
        if (path.startsWith('/v1/models/')) {
          const id = safeDecode(path.slice('/v1/models/'.length));
          return void models(req, res, id ?? '', requestId);
        }
      }
      for (const extra of deps.extraRoutes ?? []) if (extra(req, res, { requestId, path })) return;
      const face = path.startsWith('/model/') || path.startsWith('/guardrail/') ? faces.bedrock : faces.openai;
      answer(res, face.encodeError(new RampartError('not_found', { message: `No route for ${method} ${truncate(path)}.` }), requestId), requestId);
    } catch (err) {
      logger.error({ err, requestId }, 'handler failed');
      if (!res.headersSent) answer(res, faces.openai.encodeError(toRampartError(err), requestId), requestId);
    }
  };
}

function blockedAnswer(ctx: RequestContext, message: string): ChatResponse {
  return {
    id: ctx.requestId,
    model: ctx.chat?.model ?? '',
    content: [{ type: 'text', text: message }],
    stopReason: ctx.clientApi === 'bedrock' ? 'guardrail_intervened' : 'content_filter',
    usage: { inputTokens: 0, outputTokens: 0 },
  };
}

async function* eventsOf(r: ChatResponse): AsyncIterable<StreamEvent> {
  yield { type: 'start', id: r.id, model: r.model };
  let i = 0;
  for (const p of r.content) {
    if (p.type !== 'text') continue;
    yield { type: 'text', index: i, text: p.text };
    yield { type: 'block_stop', index: i };
    i++;
  }
  yield { type: 'stop', stopReason: r.stopReason };
  yield { type: 'usage', usage: r.usage };
}

function safeDecode(s: string): string | undefined {
  try { return decodeURIComponent(s); } catch { return undefined; }
}

/** Echoed names are cut short: a client must not make the gateway write unbounded text. */
function truncate(s: string): string {
  return s.length > 200 ? `${s.slice(0, 200)}...` : s;
}
