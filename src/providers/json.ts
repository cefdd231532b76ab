/**
 * Narrowing helpers for upstream JSON. Upstream bodies are untrusted input: codecs read them
 * through these instead of casting, so a missing or mistyped field becomes a clean error or a
 * default, never a TypeError deep in the pipeline.
 */
import { UpstreamError } from './types.js';

export type Obj = Record<string, unknown>;

export function obj(v: unknown): Obj | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** The body must be a JSON object; anything else is an upstream fault. */
export function requireObj(v: unknown, what: string): Obj {
  const o = obj(v);
  if (!o) throw new UpstreamError('upstream_error', { message: `The model provider sent an invalid ${what}.`, retryable: true });
  return o;
}

export function parseJsonObj(text: string, what: string): Obj {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new UpstreamError('upstream_error', { message: `The model provider sent malformed JSON in ${what}.`, retryable: true, cause: err });
  }
  return requireObj(v, what);
}
