import type { IncomingHttpHeaders } from 'node:http';

/**
 * Pulls the one presented credential out of the headers, strictly. Exactly one of
 * `Authorization: Bearer <token>`, `Authorization: AWS4-HMAC-SHA256 ...` or `x-api-key: <token>` is
 * accepted, in its canonical form only: scheme spelled `Bearer`, one space, a token68 token, nothing
 * around it. Anything looser ("bearer", two spaces, trailing blanks, two credentials at once) is
 * refused rather than repaired, so that every component in front of us parses it the same way.
 */

export type Extracted =
  | { kind: 'bearer'; token: string }
  | { kind: 'x-api-key'; token: string }
  | { kind: 'sigv4' }
  | { kind: 'none' }
  | { kind: 'invalid'; reason: string };

const BEARER_RE = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/;
const TOKEN_RE = /^[A-Za-z0-9\-._~+/]+=*$/;
const MAX_TOKEN = 8192;

export function extractCredential(headers: IncomingHttpHeaders): Extracted {
  const auth = headers.authorization;
  const xKey = headers['x-api-key'];
  if (Array.isArray(auth) || Array.isArray(xKey)) return { kind: 'invalid', reason: 'credential header sent more than once' };
  if (auth !== undefined && xKey !== undefined) return { kind: 'invalid', reason: 'send one credential, not both Authorization and x-api-key' };
  if (auth !== undefined) {
    if (auth.length > MAX_TOKEN) return { kind: 'invalid', reason: 'Authorization header too long' };
    if (auth.startsWith('AWS4-HMAC-SHA256 ')) return { kind: 'sigv4' };
    const m = BEARER_RE.exec(auth);
    if (!m) return { kind: 'invalid', reason: 'malformed Authorization header (expected "Bearer <token>")' };
    return { kind: 'bearer', token: m[1] };
  }
  if (xKey !== undefined) {
    if (xKey.length > MAX_TOKEN || !TOKEN_RE.test(xKey)) return { kind: 'invalid', reason: 'malformed x-api-key header' };
    return { kind: 'x-api-key', token: xKey };
  }
  return { kind: 'none' };
}

/** Query parameter names that carry credentials somewhere; their mere presence refuses the request. */
const QUERY_CREDENTIAL_NAMES = new Set([
  'api_key', 'apikey', 'api-key', 'key', 'token', 'access_token', 'id_token', 'auth', 'authorization',
  'x-api-key', 'bearer', 'password', 'secret', 'x-amz-credential', 'x-amz-signature', 'x-amz-security-token',
]);

/** True when the raw URL's query names a credential parameter (compared case-insensitively, decoded). */
export function queryCarriesCredential(url: string | undefined): boolean {
  if (!url) return false;
  const q = url.indexOf('?');
  if (q < 0) return false;
  for (const part of url.slice(q + 1).split(/[&;]/)) {
    const eq = part.indexOf('=');
    let name = eq < 0 ? part : part.slice(0, eq);
    try {
      name = decodeURIComponent(name.replace(/\+/g, ' '));
    } catch {
      // undecodable: judge the raw text
    }
    if (QUERY_CREDENTIAL_NAMES.has(name.trim().toLowerCase())) return true;
  }
  return false;
}
