/**
 * Replays recorded upstream exchanges (cassettes) over real loopback HTTP/1.1, so provider code
 * and the official SDKs are exercised against the providers' actual wire formats without a
 * network or a live key.
 *
 * Matching: the first cassette whose method, path (query ignored on both sides) and
 * `bodyIncludes` match wins. `bodyIncludes` is a deep-partial JSON: every key of an expected
 * object must be present and match; every element of an expected array must match SOME element
 * of the actual array (order-free, so "the tools include X" is expressible); primitives compare
 * with ===. No match answers 599 with a JSON message naming what was asked.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';

export type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

export interface CassetteRequest {
  method: string;
  path: string;
  bodyIncludes?: Json;
}

export interface CassetteResponse {
  status: number;
  headers?: Record<string, string | string[]>;
  body?: string;
  bodyBase64?: string;
  /** Written one by one (each a separate write, so clients see real chunk boundaries). */
  chunks?: string[];
  chunksBase64?: string[];
  chunkDelayMs?: number;
  /** Destroy the socket after the chunks instead of ending the response properly. */
  cut?: boolean;
  /** Send the status line and headers, then nothing until the client gives up or the server closes. */
  hang?: boolean;
}

export interface Cassette {
  name: string;
  request: CassetteRequest;
  response: CassetteResponse;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface CassetteServer {
  /** e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string;
  /** Every request received, in order, including unmatched ones. */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** Reads every `*.json` in `dir` (sorted by file name). A file may hold one cassette or an array. */
export function loadCassettes(dir: string): Cassette[] {
  const out: Cassette[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
    const parsed = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Cassette | Cassette[];
    for (const c of Array.isArray(parsed) ? parsed : [parsed]) {
      if (!c || typeof c.name !== 'string' || !c.request || !c.response || typeof c.response.status !== 'number') {
        throw new Error(`cassette file ${f}: needs name, request and response.status`);
      }
      out.push(c);
    }
  }
  return out;
}

export function matchesPartial(expected: Json | undefined, actual: unknown): boolean {
  if (expected === undefined) return true;
  if (expected === null || typeof expected !== 'object') return expected === actual;
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return false;
    return expected.every((e) => actual.some((a) => matchesPartial(e, a)));
  }
  if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
  const obj = actual as Record<string, unknown>;
  return Object.entries(expected).every(([k, v]) => Object.hasOwn(obj, k) && matchesPartial(v, obj[k]));
}

function stripQuery(p: string): string {
  const i = p.indexOf('?');
  return i < 0 ? p : p.slice(0, i);
}

export function findCassette(cassettes: Cassette[], method: string, path: string, body: string): Cassette | undefined {
  let parsed: unknown;
  let parsedOk = false;
  try {
    parsed = body.length > 0 ? JSON.parse(body) : undefined;
    parsedOk = true;
  } catch {
    parsedOk = false;
  }
  const bare = stripQuery(path);
  return cassettes.find((c) => {
    if (c.request.method.toUpperCase() !== method.toUpperCase()) return false;
    if (stripQuery(c.request.path) !== bare) return false;
    if (c.request.bodyIncludes === undefined) return true;
    return parsedOk && matchesPartial(c.request.bodyIncludes, parsed);
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function startCassetteServer(cassettes: Cassette[]): Promise<CassetteServer> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (b: Buffer) => parts.push(b));
    req.on('end', () => {
      const body = Buffer.concat(parts).toString('utf8');
      const method = req.method ?? 'GET';
      const path = req.url ?? '/';
      requests.push({ method, path, headers: req.headers, body });
      const c = findCassette(cassettes, method, path, body);
      if (!c) {
        res.writeHead(599, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `no cassette matches ${method} ${path}`, body: body.slice(0, 2000) } }));
        return;
      }
      void replay(c.response, res);
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        // Hanging and keep-alive sockets would otherwise hold close() forever.
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

async function replay(r: CassetteResponse, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [
    ...(r.chunks ?? []).map((c) => Buffer.from(c, 'utf8')),
    ...(r.chunksBase64 ?? []).map((c) => Buffer.from(c, 'base64')),
  ];
  const whole =
    r.body !== undefined ? Buffer.from(r.body, 'utf8') : r.bodyBase64 !== undefined ? Buffer.from(r.bodyBase64, 'base64') : undefined;
  const headers: Record<string, string | string[]> = { ...(r.headers ?? {}) };
  const lower = new Set(Object.keys(headers).map((k) => k.toLowerCase()));
  if (whole && !lower.has('content-length') && !r.cut) headers['content-length'] = String(whole.length);
  res.writeHead(r.status, headers);
  if (r.hang) {
    res.flushHeaders();
    return;
  }
  if (whole && chunks.length === 0) {
    if (r.cut) {
      res.write(whole);
      return destroySoon(res);
    }
    res.end(whole);
    return;
  }
  res.flushHeaders();
  for (const c of chunks) {
    if (res.destroyed) return;
    if (r.chunkDelayMs) await sleep(r.chunkDelayMs);
    res.write(c);
  }
  if (r.cut) return destroySoon(res);
  res.end();
}

/** Let the written bytes reach the client before tearing the connection down mid-body. */
function destroySoon(res: ServerResponse): void {
  setTimeout(() => res.socket?.destroy(), 20);
}
