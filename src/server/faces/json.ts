/**
 * Small helpers shared by the client faces: validating untyped JSON with the field path of the
 * offending value (SDK users debug from `param`, so it must name the exact spot), building JSON
 * answers, and the `rampart_guardrails` summary both OpenAI and Anthropic answers carry.
 */
import { badRequest, type RampartError } from '../../errors.js';
import type { JsonObject } from '../../translate/ir.js';
import type { GuardrailOutcome } from '../../pipeline/context.js';
import type { WireAnswer } from './types.js';
import { stringifyJson } from '../../translate/json-text.js';

export type Obj = Record<string, unknown>;

/** `messages` + 3 -> `messages[3]`; `messages[3]` + `content` -> `messages[3].content`. */
export function at(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Absent and explicit null are the same thing: many SDKs serialise unset options as null. */
export function isAbsent(v: unknown): v is undefined | null {
  return v === undefined || v === null;
}

/**
 * Quotes a caller-supplied value for an error message, cut short: errors are logged and echoed,
 * and a megabyte "role" should not be either.
 */
export function quote(s: string): string {
  return s.length > 64 ? `'${s.slice(0, 64)}...'` : `'${s}'`;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'an integer' : 'a decimal';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'boolean') return 'a boolean';
  return typeof v;
}

export function invalidType(path: string, expected: string, v: unknown): never {
  throw badRequest(`Invalid type for '${path}': expected ${expected}, but got ${describe(v)} instead.`, path);
}

export function missing(path: string): never {
  throw badRequest(`Missing required parameter: '${path}'.`, path);
}

export function invalidValue(path: string, detail: string): never {
  throw badRequest(`Invalid value for '${path}': ${detail}`, path);
}

export function obj(v: unknown, path: string): Obj {
  if (isAbsent(v)) missing(path);
  if (!isObj(v)) invalidType(path, 'an object', v);
  return v;
}

export function str(v: unknown, path: string): string {
  if (isAbsent(v)) missing(path);
  if (typeof v !== 'string') invalidType(path, 'a string', v);
  return v;
}

export function optStr(v: unknown, path: string): string | undefined {
  return isAbsent(v) ? undefined : str(v, path);
}

export function optBool(v: unknown, path: string): boolean | undefined {
  if (isAbsent(v)) return undefined;
  if (typeof v !== 'boolean') invalidType(path, 'a boolean', v);
  return v;
}

export interface NumRange { min?: number; max?: number; integer?: boolean }

export function num(v: unknown, path: string, range: NumRange = {}): number {
  if (isAbsent(v)) missing(path);
  if (range.integer) {
    if (typeof v !== 'number' || !Number.isInteger(v)) invalidType(path, 'an integer', v);
  } else if (typeof v !== 'number' || !Number.isFinite(v)) {
    invalidType(path, 'a number', v);
  }
  if (range.min !== undefined && v < range.min) invalidValue(path, `must be at least ${range.min}.`);
  if (range.max !== undefined && v > range.max) invalidValue(path, `must be at most ${range.max}.`);
  return v;
}

export function optNum(v: unknown, path: string, range: NumRange = {}): number | undefined {
  return isAbsent(v) ? undefined : num(v, path, range);
}

export function arr(v: unknown, path: string, opts: { nonEmpty?: boolean } = {}): unknown[] {
  if (isAbsent(v)) missing(path);
  if (!Array.isArray(v)) invalidType(path, 'an array', v);
  if (opts.nonEmpty && v.length === 0) invalidValue(path, 'must not be empty.');
  return v;
}

export function oneOf<T extends string>(v: unknown, path: string, values: readonly T[]): T {
  const s = str(v, path);
  if (!(values as readonly string[]).includes(s)) {
    invalidValue(path, `expected one of ${values.map((x) => `'${x}'`).join(', ')}, got ${quote(s)}.`);
  }
  return s as T;
}

export function strArray(v: unknown, path: string): string[] {
  return arr(v, path).map((x, i) => str(x, at(path, i)));
}

/** Checks that a value is plain JSON (it came from JSON.parse, but nested `unknown` needs the proof). */
export function jsonObject(v: unknown, path: string): JsonObject {
  if (isAbsent(v)) missing(path);
  if (!isObj(v)) invalidType(path, 'an object', v);
  return v as JsonObject;
}

/** Tool/function names as the OpenAI and Anthropic APIs both restrict them. */
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
export function toolName(v: unknown, path: string): string {
  const s = str(v, path);
  if (!TOOL_NAME.test(s)) invalidValue(path, 'must match ^[a-zA-Z0-9_-]{1,64}$.');
  return s;
}

/**
 * Headers every error answer carries: the error's own (e.g. upstream rate-limit hints) and
 * Retry-After. The error may not override how the body is framed.
 */
export function errorHeaders(err: RampartError): Record<string, string> {
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries(err.headers ?? {})) {
    const key = k.toLowerCase();
    if (key !== 'content-type' && key !== 'content-length' && key !== 'transfer-encoding') h[key] = v;
  }
  if (err.retryAfter !== undefined) h['retry-after'] = String(Math.max(0, Math.ceil(err.retryAfter)));
  return h;
}

export function jsonAnswer(status: number, body: unknown, headers: Record<string, string> = {}): WireAnswer {
  return {
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: stringifyJson(body),
  };
}

/**
 * `rampart_guardrails`: an additive, Rampart-specific top-level field on chat answers. Present only
 * when at least one guardrail ran; one entry per guardrail and side (INPUT/OUTPUT), with the
 * Bedrock-shaped assessment. Official SDKs keep unknown fields, so callers can read it without a
 * custom client. Findings are not repeated here: the assessment already carries what a client
 * may see, while raw findings (offsets into user text) stay in the audit record.
 */
export interface GuardrailSummary {
  guardrailId: string;
  version: string;
  source: 'INPUT' | 'OUTPUT';
  action: GuardrailOutcome['action'];
  assessment?: unknown;
}

export function guardrailSummary(outcomes: readonly GuardrailOutcome[]): GuardrailSummary[] | undefined {
  if (outcomes.length === 0) return undefined;
  return outcomes.map((g) => ({
    guardrailId: g.guardrailId,
    version: g.version,
    source: g.source,
    action: g.action,
    assessment: g.assessment,
  }));
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Prefixes an IR id the way the client API spells its ids, without doubling an existing prefix. */
export function prefixed(prefix: string, id: string): string {
  return id.startsWith(prefix) ? id : prefix + id;
}

/** Parses a `data:<media>;base64,<data>` URL; undefined for anything else. */
export function parseDataUrl(url: string): { mediaType: string; data: string } | undefined {
  if (!url.startsWith('data:')) return undefined;
  const comma = url.indexOf(',');
  if (comma < 0) return undefined;
  const meta = url.slice(5, comma).split(';');
  if (meta[meta.length - 1] !== 'base64') return undefined;
  const mediaType = meta[0] || 'application/octet-stream';
  return { mediaType, data: url.slice(comma + 1) };
}

/** The image types every provider behind the gateway accepts. */
export const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'] as const;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Validates inline image data so a provider never sees a malformed payload it would blame on us. */
export function checkImage(mediaType: string, data: string, path: string): void {
  if (!(IMAGE_TYPES as readonly string[]).includes(mediaType)) {
    invalidValue(path, `image type ${quote(mediaType)} is not supported; use one of ${IMAGE_TYPES.join(', ')}.`);
  }
  if (data.length === 0 || !BASE64.test(data)) invalidValue(path, 'image data must be non-empty base64.');
}
