/**
 * A local OpenAI-compatible upstream that misbehaves on demand, for routing and limit tests:
 * 500s, 429 with Retry-After, hangs, connection resets, slow streams, streams cut mid-way, and
 * any sequence of them (a flapping deployment is a function of the request number).
 * Real HTTP over loopback, so the real providers and the official SDKs run against it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Fault =
  | { kind: 'ok'; text?: string; delayMs?: number }
  /** Any status with an OpenAI error body; `retryAfter` is sent as the Retry-After header. */
  | { kind: 'status'; status: number; retryAfter?: string }
  /** Accepts the request and never answers. */
  | { kind: 'hang' }
  /** Destroys the connection as soon as the request arrives. */
  | { kind: 'reset' }
  /** Streams `chunks` text deltas, `chunkDelayMs` apart (non-stream requests just answer late). */
  | { kind: 'slow'; chunkDelayMs: number; chunks: number }
  /** Streams `afterChunks` deltas, then destroys the socket without finishing the stream. */
  | { kind: 'cut'; afterChunks: number };

export interface FaultRequest { n: number; path: string; body: Record<string, unknown> }

export interface FaultUpstream {
  /** Base URL for an OpenAI provider, e.g. http://127.0.0.1:PORT/v1 */
  url: string;
  /** Requests received so far. */
  readonly count: number;
  readonly requests: FaultRequest[];
  /** What the next requests get: one fault for all, or chosen per request number (1-based). */
  set(f: Fault | ((n: number) => Fault)): void;
  close(): Promise<void>;
}

export async function startFaultUpstream(initial: Fault | ((n: number) => Fault) = { kind: 'ok' }, name = 'fault'): Promise<FaultUpstream> {
  let choose = typeof initial === 'function' ? initial : () => initial;
  const requests: FaultRequest[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, f: () => void) => { const t = setTimeout(() => { timers.delete(t); f(); }, ms); timers.add(t); };

  const server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => { raw += c; });
    req.on('end', () => {
      let body: Record<string, unknown> = {};
      try { body = JSON.parse(raw || '{}') as Record<string, unknown>; } catch { /* answered as ok anyway */ }
      const n = requests.length + 1;
      requests.push({ n, path: req.url ?? '', body });
      serve(choose(n), req, res, body, n);
    });
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });

  function serve(f: Fault, req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>, n: number): void {
    const stream = body.stream === true;
    const model = typeof body.model === 'string' ? body.model : 'fault-model';
    const id = `chatcmpl-${name}-${n}`;
    if (f.kind === 'reset') { req.socket.destroy(); return; }
    if (f.kind === 'hang') return;
    if (f.kind === 'status') {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (f.retryAfter !== undefined) headers['retry-after'] = f.retryAfter;
      res.writeHead(f.status, headers);
      res.end(JSON.stringify({ error: { message: `injected ${f.status} from ${name}`, type: f.status === 429 ? 'rate_limit_error' : 'server_error', code: null } }));
      return;
    }
    if (req.url?.endsWith('/embeddings')) {
      const input = Array.isArray(body.input) ? body.input : [body.input];
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', model, data: input.map((_, i) => ({ object: 'embedding', index: i, embedding: [0.1, 0.2, 0.3] })), usage: { prompt_tokens: 3, total_tokens: 3 } }));
      return;
    }
    const pieces = f.kind === 'ok' ? (f.text ?? `hello from ${name}`).split(/(?<= )/) : Array.from({ length: f.kind === 'slow' ? f.chunks : f.afterChunks + 5 }, (_, i) => `w${i} `);
    const delay = f.kind === 'slow' ? f.chunkDelayMs : 0;
    if (!stream) {
      const answer = () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({
          id, object: 'chat.completion', created: 1, model,
          choices: [{ index: 0, message: { role: 'assistant', content: pieces.join('') }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 7, completion_tokens: pieces.length, total_tokens: 7 + pieces.length },
        }));
      };
      const wait = f.kind === 'ok' ? f.delayMs ?? 0 : delay * pieces.length;
      if (f.kind === 'cut') { res.writeHead(200, { 'content-type': 'application/json' }); res.write('{"id":"'); later(5, () => req.socket.destroy()); return; }
      if (wait > 0) later(wait, answer); else answer();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const chunk = (delta: Record<string, unknown>, finish: string | null) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    res.write(chunk({ role: 'assistant', content: '' }, null));
    let i = 0;
    const next = () => {
      if (res.destroyed) return;
      if (f.kind === 'cut' && i === f.afterChunks) { later(30, () => req.socket.destroy()); return; } // after the bytes are out
      if (i < pieces.length) {
        res.write(chunk({ content: pieces[i++] }, null));
        if (delay > 0) later(delay, next); else next();
        return;
      }
      res.write(chunk({}, 'stop'));
      const opts = body.stream_options as { include_usage?: boolean } | undefined;
      if (opts?.include_usage) res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1, model, choices: [], usage: { prompt_tokens: 7, completion_tokens: pieces.length, total_tokens: 7 + pieces.length } })}\n\n`);
      res.end('data: [DONE]\n\n');
    };
    const first = f.kind === 'ok' ? f.delayMs ?? 0 : delay;
    if (first > 0) later(first, next); else next();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    get count() { return requests.length; },
    requests,
    set(f) { choose = typeof f === 'function' ? f : () => f; },
    close: () => new Promise<void>((resolve) => {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
