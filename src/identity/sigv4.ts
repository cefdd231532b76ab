import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { RESYNC_TOPIC, type Store } from '../store/types.js';
import { loadSigV4Credential, type ResolvedSigV4 } from './sigv4-keys.js';

/**
 * AWS Signature Version 4 verification for requests signed by AWS SDKs with a Rampart-issued
 * access key. The canonical request is rebuilt from what arrived on the wire (method, raw path,
 * raw query, the signed headers, the SHA-256 of the raw body bytes), mirroring
 * @smithy/signature-v4, and the signature compared in constant time. The signing time must be within
 * `maxSkewMs`, and a signature seen once is refused for the rest of that window (replay).
 */

export interface SigV4VerifierOptions {
  store: Store;
  masterKey: Buffer;
  /** Services clients may sign for; default ['bedrock']. */
  services?: readonly string[];
  maxSkewMs?: number;
  /** Credentials are cached this long (and dropped on the 'sigv4' topic). */
  cacheTtlMs?: number;
  maxReplayEntries?: number;
  now?: () => number;
}

export interface SigV4Request {
  method: string;
  /** Raw path and query as received. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export type SigV4Result = { ok: true; credential: ResolvedSigV4['credential'] } | { ok: false; reason: string };

const AUTH_RE = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([a-z0-9-]{1,32})\/([a-z0-9-]{1,32})\/aws4_request, ?SignedHeaders=([a-z0-9;:-]+), ?Signature=([0-9a-f]{64})$/;
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export function isSigV4Authorization(value: string): boolean {
  return value.startsWith('AWS4-HMAC-SHA256 ');
}

function escapeUri(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** Same normalisation and double encoding as @smithy/signature-v4's getCanonicalPath. */
export function canonicalPath(rawPath: string): string {
  const segs: string[] = [];
  for (const seg of rawPath.split('/')) {
    if (seg.length === 0 || seg === '.') continue;
    if (seg === '..') segs.pop();
    else segs.push(seg);
  }
  const norm = `${rawPath.startsWith('/') ? '/' : ''}${segs.join('/')}${segs.length > 0 && rawPath.endsWith('/') ? '/' : ''}`;
  return escapeUri(norm).replace(/%2F/g, '/');
}

export function canonicalQuery(rawQuery: string): string | undefined {
  if (rawQuery === '') return '';
  const pairs: [string, string][] = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const k = safeDecode(eq < 0 ? part : part.slice(0, eq));
    const v = safeDecode(eq < 0 ? '' : part.slice(eq + 1));
    if (k === undefined || v === undefined) return undefined;
    if (k.toLowerCase() === 'x-amz-signature') continue;
    pairs.push([escapeUri(k), escapeUri(v)]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

function headerValue(h: string | string[] | undefined): string | undefined {
  if (h === undefined) return undefined;
  const v = Array.isArray(h) ? h.join(',') : h;
  return v.replace(/[\r\n]/g, ' ').replace(/[ \t]+/g, ' ').replace(/^ | $/g, '');
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** x-amz-date `YYYYMMDDTHHMMSSZ` -> epoch ms. */
function parseAmzDate(s: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return undefined;
  const t = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  return Number.isNaN(t) ? undefined : t;
}

export class SigV4Verifier {
  private readonly opts: SigV4VerifierOptions;
  private readonly services: ReadonlySet<string>;
  private readonly maxSkewMs: number;
  private readonly now: () => number;
  private readonly creds = new Map<string, { value?: ResolvedSigV4; until: number }>();
  private readonly seen = new Map<string, number>(); // signature -> forget after (ms)
  private readonly maxReplay: number;
  private readonly unsubscribe: () => void;

  constructor(opts: SigV4VerifierOptions) {
    if (opts.masterKey.length !== 32) throw new Error('SigV4 master key must be 32 bytes');
    this.opts = opts;
    this.services = new Set(opts.services ?? ['bedrock']);
    this.maxSkewMs = opts.maxSkewMs ?? 5 * 60_000;
    this.now = opts.now ?? Date.now;
    this.maxReplay = opts.maxReplayEntries ?? 200_000;
    this.unsubscribe = opts.store.changes.subscribe((topic) => {
      if (topic === 'sigv4' || topic === RESYNC_TOPIC) this.creds.clear();
    });
  }

  close(): void {
    this.unsubscribe();
  }

  private async credential(accessKeyId: string, now: number): Promise<ResolvedSigV4 | undefined> {
    const hit = this.creds.get(accessKeyId);
    if (hit && hit.until > now) return hit.value;
    const value = await loadSigV4Credential(this.opts.store, this.opts.masterKey, accessKeyId, now);
    if (this.creds.size > 10_000) this.creds.clear();
    this.creds.set(accessKeyId, { value, until: now + (value ? (this.opts.cacheTtlMs ?? 60_000) : 5_000) });
    return value;
  }

  async verify(req: SigV4Request): Promise<SigV4Result> {
    const auth = headerValue(req.headers.authorization);
    const m = auth ? AUTH_RE.exec(auth) : null;
    if (!m) return { ok: false, reason: 'malformed SigV4 Authorization header' };
    const [, accessKeyId, scopeDate, region, service, signedHeadersText, signature] = m;
    if (!this.services.has(service)) return { ok: false, reason: 'service not accepted' };
    const signed = signedHeadersText.split(';');
    const sortedUnique = [...new Set(signed)].sort();
    if (sortedUnique.join(';') !== signedHeadersText) return { ok: false, reason: 'SignedHeaders not sorted or repeated' };
    // over HTTP/2 the SDK signs the :authority pseudo-header instead of host
    if (!(signed.includes('host') || signed.includes(':authority')) || !signed.includes('x-amz-date'))
      return { ok: false, reason: 'host (or :authority) and x-amz-date must be signed' };

    const amzDate = headerValue(req.headers['x-amz-date']);
    const t = amzDate ? parseAmzDate(amzDate) : undefined;
    if (t === undefined || !amzDate!.startsWith(scopeDate)) return { ok: false, reason: 'bad x-amz-date' };
    const now = this.now();
    if (Math.abs(now - t) > this.maxSkewMs) return { ok: false, reason: 'request time outside the allowed clock skew' };

    // The body is always bound: a declared payload hash must be the real one, and UNSIGNED-PAYLOAD
    // or streaming payload modes are refused.
    const bodyHash = req.body.length === 0 ? EMPTY_SHA256 : createHash('sha256').update(req.body).digest('hex');
    const declared = headerValue(req.headers['x-amz-content-sha256']);
    if (declared !== undefined && declared !== bodyHash) return { ok: false, reason: 'payload hash mismatch' };

    const q = req.url.indexOf('?');
    const rawPath = q < 0 ? req.url : req.url.slice(0, q);
    const cq = canonicalQuery(q < 0 ? '' : req.url.slice(q + 1));
    if (cq === undefined) return { ok: false, reason: 'malformed query string' };
    const lines: string[] = [];
    for (const name of signed) {
      const v = headerValue(req.headers[name]);
      if (v === undefined) return { ok: false, reason: `signed header ${name} missing` };
      lines.push(`${name}:${v}`);
    }
    const canonical = `${req.method.toUpperCase()}\n${canonicalPath(rawPath)}\n${cq}\n${lines.join('\n')}\n\n${signedHeadersText}\n${declared ?? bodyHash}`;

    const cred = await this.credential(accessKeyId, now);
    if (!cred) return { ok: false, reason: 'unknown access key' };
    const scope = `${scopeDate}/${region}/${service}/aws4_request`;
    const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash('sha256').update(canonical, 'utf8').digest('hex')}`;
    const kDate = hmac('AWS4' + cred.secret, scopeDate);
    const kSigning = hmac(hmac(hmac(kDate, region), service), 'aws4_request');
    const expected = hmac(kSigning, stringToSign);
    if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) return { ok: false, reason: 'signature mismatch' };

    if (!this.rememberSignature(signature, t, now)) return { ok: false, reason: 'replayed signature' };
    return { ok: true, credential: cred.credential };
  }

  /** False when the signature was already used; fail closed when the replay table is full. */
  private rememberSignature(signature: string, signedAt: number, now: number): boolean {
    const seen = this.seen.get(signature);
    if (seen !== undefined && seen > now) return false;
    if (this.seen.size >= this.maxReplay) {
      for (const [s, until] of this.seen) if (until <= now) this.seen.delete(s);
      if (this.seen.size >= this.maxReplay) return false;
    }
    // a signature stays acceptable until signedAt + skew; remember it that long
    this.seen.set(signature, signedAt + this.maxSkewMs + 1000);
    return true;
  }
}
