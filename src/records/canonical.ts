/**
 * Hashing helpers. Records and audit events are hashed over their stored bytes (JSON.stringify output, written once
 * and never re-serialised), so they need no canonical form; digests, which a third party may rebuild from parsed
 * fields, use canonical JSON.
 *
 * Canonical JSON: object keys sorted by UTF-16 code unit order, no whitespace, `undefined` members left out, numbers
 * and strings as JSON.stringify writes them. The same value always gives the same bytes, so a hash over it can be
 * recomputed by any verifier (ours or a third party's) from the stored text alone.
 */
import { hash } from 'node:crypto';

export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonical JSON: non-finite number');
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value instanceof Date) return JSON.stringify(value.toISOString());
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i) out += ',';
          const v: unknown = value[i];
          out += v === undefined ? 'null' : canonicalJson(v);
        }
        return out + ']';
      }
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj).sort();
      let out = '{';
      let first = true;
      for (const k of keys) {
        const v = obj[k];
        if (v === undefined || typeof v === 'function') continue;
        if (!first) out += ',';
        first = false;
        out += JSON.stringify(k) + ':' + canonicalJson(v);
      }
      return out + '}';
    }
    default:
      throw new TypeError(`canonical JSON: cannot encode a ${typeof value}`);
  }
}

export function sha256Hex(text: string): string {
  // One-shot: no Hash object (each is a native object behind a weak handle the young-generation GC must visit).
  return hash('sha256', text, 'hex');
}

/** The chain starts from this "previous hash" (64 zeros, as a hex SHA-256 would be). */
export const GENESIS_HASH = '0'.repeat(64);
