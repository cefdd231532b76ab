import { z } from 'zod';
import type { AdminRoute } from './types.js';

/**
 * The OpenAPI 3.1 document of the admin API, generated from the registered routes so that it can
 * not drift from them: paths, methods, path and query parameters, JSON request bodies (zod ->
 * JSON Schema), the Cedar action each operation needs (x-rampart-action) and bearer auth.
 */

export interface OpenApiInfo {
  title: string;
  version: string;
  prefix: string;
  openapiPath: string;
}

const ERROR_SCHEMA = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['message', 'type'],
      properties: {
        message: { type: 'string' },
        type: { type: 'string' },
        param: { type: ['string', 'null'] },
        code: { type: 'string' },
      },
    },
  },
};

const errorRef = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });

export function buildOpenApi(routes: readonly AdminRoute[], opts: Partial<OpenApiInfo> & Pick<OpenApiInfo, 'prefix' | 'openapiPath'>): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const add = (path: string, method: string, op: Record<string, unknown>) => {
    (paths[path] ??= {})[method.toLowerCase()] = op;
  };
  add(opts.prefix + opts.openapiPath, 'GET', {
    operationId: 'GetOpenApiDocument',
    summary: 'This document.',
    tags: ['meta'],
    responses: { 200: { description: 'The OpenAPI 3.1 document.', content: { 'application/json': { schema: { type: 'object' } } } }, 401: errorRef('Missing or invalid credentials.') },
  });
  for (const r of routes) {
    const names = [...r.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]);
    const parameters: unknown[] = [
      ...names.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
      ...(r.queryParams ?? []).map((p) => ({ name: p.name, in: 'query', required: false, description: p.description, schema: { type: 'string' } })),
    ];
    const op: Record<string, unknown> = {
      operationId: r.eventName,
      summary: r.summary,
      tags: [r.path.split('/')[1] ?? 'admin'],
      'x-rampart-action': r.action,
      'x-rampart-read-only': r.readOnly,
      responses: {
        [r.method === 'POST' && !r.readOnly && /^Create|^Issue/.test(r.eventName) ? 201 : 200]: {
          description: 'Success.',
          content: { 'application/json': { schema: { type: 'object' } } },
        },
        400: errorRef('Invalid request; `param` names the offending field.'),
        401: errorRef('Missing or invalid credentials.'),
        403: errorRef('Not allowed: the Cedar decision, or a key that would exceed its creator\'s access.'),
        404: errorRef('No such resource.'),
      },
    };
    if (parameters.length > 0) op.parameters = parameters;
    if (r.body) {
      op.requestBody = { required: true, content: { 'application/json': { schema: jsonSchema(r.body) } } };
      (op.responses as Record<string, unknown>)[413] = errorRef('The request body is too large.');
    }
    add(opts.prefix + r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}'), r.method, op);
  }
  return {
    openapi: '3.1.0',
    info: { title: opts.title ?? 'Rampart admin API', version: opts.version ?? '1' },
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }],
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'A Rampart API key (rk_...) or an OIDC token.' } },
      schemas: { Error: ERROR_SCHEMA },
    },
    paths,
  };
}

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  // Input shape (what a client sends); anything zod cannot express (refinements) documents as {}.
  const s = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  delete s.$schema;
  return s;
}
