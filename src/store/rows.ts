/**
 * One description of each table's columns, shared by both dialects, so a field added to a record is mapped in
 * one place. Values are validated on the way in: a bad Date or a non-string role would otherwise be stored as
 * garbage and surface much later as a confusing authentication failure.
 */
import type { ApiKeyPatch, ApiKeyRecord, RequestLogRecord } from './types.js';

export type FieldKind = 'text' | 'date' | 'list' | 'int' | 'real' | 'bool';

export interface Field<R> {
  readonly prop: keyof R & string;
  readonly column: string;
  readonly kind: FieldKind;
  readonly required: boolean;
}

function f<R>(prop: keyof R & string, column: string, kind: FieldKind, required = false): Field<R> {
  return { prop, column, kind, required };
}

export const KEY_FIELDS: readonly Field<ApiKeyRecord>[] = [
  f('id', 'id', 'text', true),
  f('name', 'name', 'text', true),
  f('owner', 'owner', 'text'),
  f('createdBy', 'created_by', 'text'),
  f('hash', 'hash', 'text', true),
  f('prefix', 'prefix', 'text', true),
  f('roles', 'roles', 'list', true),
  f('team', 'team', 'text'),
  f('application', 'application', 'text'),
  f('allowedNetworks', 'allowed_networks', 'list'),
  f('createdAt', 'created_at', 'date', true),
  f('expiresAt', 'expires_at', 'date'),
  f('lastUsedAt', 'last_used_at', 'date'),
  f('revokedAt', 'revoked_at', 'date'),
  f('graceUntil', 'grace_until', 'date'),
  f('replacedBy', 'replaced_by', 'text'),
];

/** id and hash identify a key; changing them would orphan references and the hash index. */
const KEY_IMMUTABLE = new Set(['id', 'hash']);
const KEY_BY_PROP = new Map(KEY_FIELDS.map((fl) => [fl.prop as string, fl]));

export const LOG_FIELDS: readonly Field<RequestLogRecord>[] = [
  f('requestId', 'request_id', 'text', true),
  f('time', 'time', 'date', true),
  f('clientApi', 'client_api', 'text', true),
  f('operation', 'operation', 'text', true),
  f('model', 'model', 'text'),
  f('deployment', 'deployment', 'text'),
  f('principalId', 'principal_id', 'text'),
  f('sourceIp', 'source_ip', 'text', true),
  f('status', 'status', 'int', true),
  f('errorCode', 'error_code', 'text'),
  f('inputTokens', 'input_tokens', 'int'),
  f('outputTokens', 'output_tokens', 'int'),
  f('latencyMs', 'latency_ms', 'real', true),
  f('firstByteMs', 'first_byte_ms', 'real'),
  f('stream', 'stream', 'bool', true),
  f('truncated', 'truncated', 'bool'),
];

/** How a dialect turns validated JavaScript values into driver parameters and back. */
export interface Codec {
  encode(kind: FieldKind, value: unknown): unknown;
  decode(kind: FieldKind, raw: unknown): unknown;
}

export function columnList<R>(fields: readonly Field<R>[]): string {
  return fields.map((fl) => fl.column).join(', ');
}

function check(kind: FieldKind, name: string, value: unknown): void {
  const ok =
    kind === 'text'
      ? typeof value === 'string'
      : kind === 'date'
        ? value instanceof Date && !Number.isNaN(value.getTime())
        : kind === 'list'
          ? Array.isArray(value) && value.every((v) => typeof v === 'string')
          : kind === 'int'
            ? Number.isSafeInteger(value)
            : kind === 'real'
              ? typeof value === 'number' && Number.isFinite(value)
              : typeof value === 'boolean';
  if (!ok) throw new TypeError(`store: field ${name} must be a valid ${kind}`);
}

function encodeField<R>(fl: Field<R>, value: unknown, codec: Codec): unknown {
  if (value === undefined || value === null) {
    if (fl.required) throw new TypeError(`store: field ${fl.prop} is required`);
    return null;
  }
  check(fl.kind, fl.prop, value);
  return codec.encode(fl.kind, value);
}

/** Driver parameters in the order of `fields`. */
export function encodeRecord<R extends object>(fields: readonly Field<R>[], rec: R, codec: Codec): unknown[] {
  return fields.map((fl) => encodeField(fl, rec[fl.prop], codec));
}

/** Builds a record from a row keyed by column name; NULL columns are left out rather than set to undefined. */
export function decodeRow<R>(fields: readonly Field<R>[], row: Record<string, unknown>, codec: Codec): R {
  const out: Record<string, unknown> = {};
  for (const fl of fields) {
    const raw = row[fl.column];
    if (raw !== null && raw !== undefined) out[fl.prop] = codec.decode(fl.kind, raw);
  }
  return out as R;
}

/**
 * Validates a key patch and returns the columns to set with encoded values. Own properties set to undefined
 * clear the column; unknown or immutable properties are rejected rather than ignored, so a typo cannot look like
 * a successful revoke.
 */
export function encodeKeyPatch(patch: ApiKeyPatch, codec: Codec): { columns: string[]; values: unknown[] } {
  const columns: string[] = [];
  const values: unknown[] = [];
  for (const prop of Object.keys(patch).sort()) {
    const fl = KEY_BY_PROP.get(prop);
    if (!fl || KEY_IMMUTABLE.has(prop)) throw new TypeError(`store: key field ${prop} cannot be updated`);
    columns.push(fl.column);
    values.push(encodeField(fl, (patch as Record<string, unknown>)[prop], codec));
  }
  return { columns, values };
}

export function checkTopic(topic: string, max: number): void {
  if (typeof topic !== 'string' || topic.length === 0 || topic.length > max) {
    throw new TypeError(`store: change topic must be a non-empty string of at most ${max} characters`);
  }
}

/** Limit for requestLog.query: default 100, at most 10,000, so a careless caller cannot buffer the whole table. */
export function queryLimit(limit: number | undefined): number {
  if (limit === undefined) return 100;
  if (!Number.isSafeInteger(limit) || limit < 1) throw new TypeError('store: limit must be a positive integer');
  return Math.min(limit, 10_000);
}

/** Calls every subscriber; one that throws must not starve the others of a revocation notice. */
export function deliver(subscribers: Iterable<(topic: string) => void>, topic: string): void {
  for (const cb of [...subscribers]) {
    try {
      cb(topic);
    } catch (err) {
      // A warning, not a rethrow: crashing the gateway over one listener's bug would be worse than logging it.
      warn('RampartStoreSubscriberError', err);
    }
  }
}

/**
 * Background failures (polling, reconnecting, a subscriber's bug) have no caller to reject; they become process
 * warnings named by `type`, which the server's logger picks up.
 */
export function warn(type: string, err: unknown): void {
  const e = err instanceof Error ? err : new Error(String(err));
  process.emitWarning(e.message, { type, detail: e.stack });
}
