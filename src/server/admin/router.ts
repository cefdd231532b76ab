import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { z } from 'zod';
import { RampartError } from '../../errors.js';
import type { Authorizer } from '../../authz/authorizer.js';
import type { Resource } from '../../authz/entities.js';
import type { Decision } from '../../authz/types.js';
import type { RuntimeHolder } from '../../config/runtime.js';
import type { RequestContext } from '../../pipeline/context.js';
import type { AuthenticateStage } from '../../pipeline/stages.js';
import type { AuditEventInput } from '../../records/types.js';
import { principalSummary } from '../../records/invocation.js';
import { sanitize } from '../../records/audit.js';
import type { ExtraRoute } from '../handler.js';
import { parseJsonBody, readBody, sendJson, type Req, type Res } from '../http.js';
import { newRequestContext } from '../context.js';
import { openaiErrorBody } from '../faces/openai/errors.js';
import type { AdminRequest, AdminResult, AdminRoute } from './types.js';
import { toAdminError } from './errors.js';
import { buildOpenApi, type OpenApiInfo } from './openapi.js';
import { newRequestId } from '../request-id.js';

/**
 * The admin API's front door. Every call under /admin/v1 goes through the same steps, in this
 * order: read the body (size-limited before buffering; SigV4 signs it), authenticate with the
 * data plane's stage, the emergency switch's principal check, route match (404/405), JSON body
 * validation with field paths, Cedar authorization of the route's admin action on its resource,
 * the handler; and one audit event for every call, allowed or not, awaited before the answer is
 * sent so that no admin change is answered unrecorded.
 */

export const ADMIN_PREFIX = '/admin/v1';
const OPENAPI_PATH = '/openapi.json';

export interface AdminRouterDeps {
  routes: AdminRoute[];
  /** The runtime each admin context runs under (held for the request, like data-plane requests). */
  holder: RuntimeHolder;
  authenticate: AuthenticateStage;
  authorizer: Authorizer | (() => Authorizer);
  /** Writes one audit event (Recorder.audit); a rejection makes the call answer 500. */
  audit: (event: AuditEventInput) => Promise<unknown>;
  /** The client address: the peer, or X-Forwarded-For when the peer is a trusted proxy. */
  clientIp: (peer: string, xff: string | string[] | undefined) => string;
  logger: Logger;
  /** Refuses disabled keys and applications on the admin plane too (EmergencySwitch). */
  emergency?: { checkPrincipal(ctx: RequestContext): void };
  /** Largest admin request body; default 1 MiB. */
  bodyLimitBytes?: number;
  info?: Partial<OpenApiInfo>;
}

export interface AdminRouter {
  /** For createHandler's extraRoutes (admin API on the data-plane port). */
  extraRoute: ExtraRoute;
  /** For a separate admin listener: serves /admin/v1 only, anything else is 404. */
  handler: (req: Req, res: Res) => void;
  /** The OpenAPI 3.1 document (also served at /admin/v1/openapi.json). */
  openapi(): Record<string, unknown>;
}

interface Compiled {
  route: AdminRoute;
  segments: string[];
}

type Match =
  | { kind: 'route'; route: AdminRoute; params: Record<string, string> }
  | { kind: 'openapi' }
  | { kind: 'not_found' }
  | { kind: 'method'; allow: string[] }
  | { kind: 'bad_path' };

export function createAdminRouter(deps: AdminRouterDeps): AdminRouter {
  const compiled: Compiled[] = deps.routes.map((route) => {
    if (!route.path.startsWith('/')) throw new Error(`admin route ${route.eventName}: path must start with /`);
    return { route, segments: route.path.split('/').slice(1) };
  });
  const seen = new Set<string>();
  for (const c of compiled) {
    const k = `${c.route.method} ${c.route.path.replace(/:[^/]+/g, ':')}`;
    if (seen.has(k)) throw new Error(`admin route defined twice: ${k}`);
    seen.add(k);
  }
  const authorizer = typeof deps.authorizer === 'function' ? deps.authorizer : () => deps.authorizer as Authorizer;
  const limit = deps.bodyLimitBytes ?? 1024 * 1024;
  let doc: Record<string, unknown> | undefined;
  const openapi = () => (doc ??= buildOpenApi(deps.routes, { prefix: ADMIN_PREFIX, openapiPath: OPENAPI_PATH, ...deps.info }));

  function match(method: string, sub: string): Match {
    if (sub === OPENAPI_PATH) return method === 'GET' ? { kind: 'openapi' } : { kind: 'method', allow: ['GET'] };
    const parts = sub.split('/').slice(1);
    const allow: string[] = [];
    for (const c of compiled) {
      if (c.segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < parts.length && ok; i++) {
        const seg = c.segments[i];
        if (seg.startsWith(':')) {
          let v: string;
          try {
            v = decodeURIComponent(parts[i]);
          } catch {
            return { kind: 'bad_path' };
          }
          if (v === '' || v.length > 256) ok = false;
          else params[seg.slice(1)] = v;
        } else if (seg !== parts[i]) ok = false;
      }
      if (!ok) continue;
      if (c.route.method === method) return { kind: 'route', route: c.route, params };
      allow.push(c.route.method);
    }
    return allow.length > 0 ? { kind: 'method', allow } : { kind: 'not_found' };
  }

  // RequestContext types only data-plane actions; an admin context carries ListModels as an inert
  // placeholder and never reaches the data-plane stages. The admin action is checked in serve().
  const newContext = (req: Req, res: Res, requestId: string): RequestContext =>
    newRequestContext(req, res, { holder: deps.holder, clientIp: deps.clientIp, api: 'openai', operation: 'list_models', action: 'ListModels', requestId });

  async function serve(req: Req, res: Res, requestId: string, path: string): Promise<void> {
    const ctx = newContext(req, res, requestId);
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const query = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
    const m = match(method, path.slice(ADMIN_PREFIX.length));
    const route = m.kind === 'route' ? m.route : undefined;
    const eventName = route?.eventName ?? (m.kind === 'openapi' ? 'GetOpenApiDocument' : 'UnknownAdminCall');
    const readOnly = route?.readOnly ?? (method === 'GET' || method === 'HEAD');
    const params: Record<string, string> = m.kind === 'route' ? m.params : {};
    let body: unknown;
    let result: AdminResult | undefined;
    let failure: RampartError | undefined;
    let allowHeader: string | undefined;
    try {
      const raw = await readBody(req, res, limit);
      ctx.rawBody = raw;
      const p = deps.authenticate.run(ctx);
      if (p) await p;
      if (!ctx.principal) throw new RampartError('unauthorized');
      deps.emergency?.checkPrincipal(ctx);
      if (m.kind === 'bad_path') throw new RampartError('bad_request', { message: 'The path is not valid percent-encoding.' });
      if (m.kind === 'not_found') throw new RampartError('not_found', { message: `No admin route ${method} ${truncate(path)}.` });
      if (m.kind === 'method') {
        allowHeader = m.allow.join(', ');
        throw new RampartError('not_found', { status: 405, message: `${method} is not allowed on ${truncate(path)}; allowed: ${allowHeader}.` });
      }
      if (m.kind === 'openapi') {
        // The document describes the public surface only, readable by every authenticated caller.
        result = { body: openapi() };
      } else {
        const r = m.route;
        body = r.body ? validate(r.body, raw.length === 0 ? {} : parseJsonBody(raw)) : undefined;
        if (!r.body && raw.length > 0) throw new RampartError('bad_request', { message: `${r.method} ${r.path} takes no request body.` });
        const areq: AdminRequest = { ctx, params, query, body };
        const resource: Resource = r.resourceOf ? await r.resourceOf(areq) : r.resource ? r.resource(areq) : { type: 'Gateway' };
        const decision = authorizer().decide(ctx.principal, r.action, resource, { sourceIp: ctx.sourceIp, at: ctx.startedAt.getTime() });
        ctx.decision = decision;
        if (decision.decision !== 'allow') throw new RampartError('forbidden', { message: denyReason(decision, r, resource) });
        result = await r.handler(areq);
      }
    } catch (err) {
      failure = toAdminError(err);
      if (failure.code === 'internal') deps.logger.error({ err, requestId }, 'admin call failed');
    }
    const status = failure ? failure.status : (result?.status ?? 200);
    ctx.status = status;
    ctx.error = failure;
    const event: AuditEventInput = {
      eventName,
      eventSource: 'rampart.admin',
      eventTime: ctx.startedAt,
      requestId,
      principal: principalSummary(ctx.principal),
      sourceIPAddress: ctx.sourceIp,
      userAgent: ctx.userAgent,
      requestParameters: sanitize({ method, path: truncate(path), params, query: auditedQuery(route, query), body }),
      responseElements: readOnly || failure
        ? { status }
        : sanitize({ status, resourceId: result?.audit?.resourceId, before: result?.audit?.before, after: result?.audit?.after }),
      errorCode: failure?.code,
      readOnly,
      authorization: ctx.decision && { decision: ctx.decision.decision, policyIds: ctx.decision.policyIds, errors: ctx.decision.errors },
    };
    try {
      await deps.audit(event);
    } catch (err) {
      // Fail closed: an admin call whose audit event is not durable is answered as failed.
      deps.logger.error({ err, requestId }, 'admin audit event could not be written');
      failure = new RampartError('internal');
    }
    const headers: Record<string, string> = { 'x-request-id': requestId, 'cache-control': 'no-store' };
    if (failure) {
      if (allowHeader && failure.status === 405) headers.allow = allowHeader;
      if (failure.status === 401) headers['www-authenticate'] = 'Bearer realm="rampart-admin"';
      sendJson(res, failure.status, { error: openaiErrorBody(failure, requestId) }, headers);
    } else {
      sendJson(res, status, result?.body ?? {}, headers);
    }
    ctx.finishedAt = performance.now();
  }

  const under = (path: string) => path === ADMIN_PREFIX || path.startsWith(`${ADMIN_PREFIX}/`);

  const run = (req: Req, res: Res, requestId: string, path: string) => {
    serve(req, res, requestId, path).catch((err: unknown) => {
      deps.logger.error({ err, requestId }, 'admin handler failed');
      if (!res.headersSent) sendJson(res, 500, { error: openaiErrorBody(new RampartError('internal'), requestId) }, { 'x-request-id': requestId });
    });
  };

  return {
    extraRoute(req, res, { requestId, path }) {
      if (!under(path)) return false;
      run(req, res, requestId, path);
      return true;
    },
    handler(req, res) {
      const requestId = newRequestId();
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const path = q === -1 ? url : url.slice(0, q);
      if (under(path)) return run(req, res, requestId, path);
      if (path === '/healthz' && req.method === 'GET') return sendJson(res, 200, { status: 'ok' }, { 'x-request-id': requestId });
      sendJson(res, 404, { error: openaiErrorBody(new RampartError('not_found', { message: 'The admin listener serves /admin/v1 only.' }), requestId) }, { 'x-request-id': requestId });
    },
    openapi,
  };
}

/** Zod validation with the first failing field's path as `param`, every problem in the message. */
function validate(schema: z.ZodType, value: unknown): unknown {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.slice(0, 10);
  const path = (p: ReadonlyArray<PropertyKey>) => p.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${String(k)}` : String(k)), '');
  const message = issues.map((i) => `${path(i.path) || '(body)'}: ${i.message}`).join('; ');
  return failWith(new RampartError('bad_request', { message, param: path(issues[0]?.path ?? []) || undefined }));
}

function failWith(e: RampartError): never {
  throw e;
}

function denyReason(d: Decision, r: AdminRoute, resource: Resource): string {
  if (d.errors.length > 0) return 'The authorization policy could not be evaluated.';
  if (d.policyIds.length > 0) return `Denied by policy ${d.policyIds.join(', ')}.`;
  const on = resource.type === 'Gateway' ? '' : resource.type === 'Model' ? ` on model ${resource.model.name}` : ` on ${resource.type.toLowerCase()} ${resource.id === '' ? '(none)' : `'${resource.id}'`}`;
  return `No policy permits ${r.action}${on}.`;
}

/**
 * Query values a route declares are audited; of anything else only the names: a query string can
 * carry a smuggled credential or a presigned signature, which must not reach the trail.
 */
function auditedQuery(route: AdminRoute | undefined, query: URLSearchParams): Record<string, string> | undefined {
  if ([...query.keys()].length === 0) return undefined;
  const declared = new Set(route?.queryParams?.map((q) => q.name));
  const out: Record<string, string> = {};
  for (const [k, v] of query) out[truncate(k)] = declared.has(k) ? v : '[not recorded]';
  return out;
}

function truncate(s: string): string {
  return s.length > 200 ? `${s.slice(0, 200)}...` : s;
}

export type { AdminRoute, AdminRequest, AdminResult } from './types.js';
