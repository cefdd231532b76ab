import type { z } from 'zod';
import type { RequestContext } from '../../pipeline/context.js';
import type { AdminAction } from '../../authz/types.js';
import type { Resource } from '../../authz/entities.js';

/**
 * The admin API contract (`/admin/v1/...`). Every route is authenticated by the same authenticate
 * stage as the data plane, authorized by Cedar with its admin action and resource, audited, and
 * described in the OpenAPI document served at /admin/v1/openapi.json.
 */

export interface AdminRequest {
  /** The request context: ctx.principal is set (authenticated) and ctx.decision allowed. */
  ctx: RequestContext;
  /** Path parameters, e.g. { id } for /admin/v1/keys/:id (already percent-decoded). */
  params: Record<string, string>;
  query: URLSearchParams;
  /** Parsed and validated with `body` schema when the route has one, else undefined. */
  body: unknown;
}

export interface AdminResult {
  status?: number;
  body: unknown;
  /** For the audit trail: the resource before and after a write (secrets must not be included). */
  audit?: { before?: unknown; after?: unknown; resourceId?: string };
}

export interface AdminRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path with `:name` parameters, under /admin/v1. */
  path: string;
  /** The Cedar action checked before the handler runs. */
  action: AdminAction;
  /** The Cedar resource (default: the gateway singleton). */
  resource?: (req: Omit<AdminRequest, 'body'>) => Resource;
  /**
   * Additive: the resource when it depends on the validated body or on stored state (the application
   * of the key being revoked). Takes precedence over `resource`. It must not reveal whether a thing
   * exists: for an unknown id, return a resource only administrators may act on.
   */
  resourceOf?: (req: AdminRequest) => Resource | Promise<Resource>;
  /** Additive: query parameters, for the OpenAPI document (validated by the handler). */
  queryParams?: Array<{ name: string; description: string }>;
  readOnly: boolean;
  /** Audit event name, e.g. CreateKey, ListKeys (CloudTrail style). */
  eventName: string;
  summary: string;
  /** JSON body schema (validated with field paths; also documented in OpenAPI). */
  body?: z.ZodType;
  handler(req: AdminRequest): Promise<AdminResult> | AdminResult;
}
