/**
 * callJson against a real local HTTP server: the unhappy paths of a non-streaming call (bodies over their limits,
 * malformed JSON, an error body that breaks off, a caller that gives up while the call waits for a connection or
 * for the answer, a stalled answer). The provider suites cover the happy path through the same function.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { RampartError } from '../errors.js';
import { createDispatcher } from './http.js';
import { MAX_ERROR_BODY_BYTES, MAX_RESPONSE_BYTES, callJson, callScope } from './transport.js';
import { DEFAULT_TIMEOUTS, UpstreamError, type Timeouts } from './types.js';

type Route = (req: IncomingMessage, res: ServerResponse) => void;
const routes = new Map<string, Route>();
/** Requests still waiting for an answer, released at the end so the server can close. */
const hanging = new Set<ServerResponse>();
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => routes.get(req.url ?? '')?.(req, res));
});
let base = '';

before(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  for (const res of hanging) res.destroy();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

routes.set('/ok', (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end('{"answer":42}');
});
/** Whether the server got to send all of /huge before the client let go. */
let hugeSentWhole: boolean | undefined;
routes.set('/huge', (_req, res) => {
  // 8 MiB over the limit, in 1 MiB chunks.
  res.writeHead(200, { 'content-type': 'application/json' });
  const chunk = Buffer.alloc(1024 * 1024, 0x20);
  let left = MAX_RESPONSE_BYTES + 8 * 1024 * 1024;
  res.on('close', () => (hugeSentWhole = res.writableFinished));
  const more = () => {
    while (left > 0) {
      const part = left >= chunk.length ? chunk : chunk.subarray(0, left);
      left -= part.length;
      if (!res.write(part)) return void res.once('drain', more);
    }
    res.end();
  };
  more();
});
routes.set('/huge-error', (_req, res) => {
  res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '7' });
  res.end('x'.repeat(MAX_ERROR_BODY_BYTES * 3));
});
routes.set('/malformed', (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end('{"answer":');
});
routes.set('/error-cut', (_req, res) => {
  // Announces more than it sends, then drops the connection.
  res.writeHead(429, { 'content-type': 'application/json', 'content-length': '1000' });
  res.write('{"error":{"message":"slow down"');
  setTimeout(() => res.socket?.destroy(), 20);
});
routes.set('/hang', (_req, res) => {
  hanging.add(res);
});
routes.set('/early-hints-then-stall', (_req, res) => {
  res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' });
  hanging.add(res);
});
routes.set('/early-hints-then-answer', (_req, res) => {
  res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' });
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end('{"answer":43}');
});

function call(path: string, opts: { signal?: AbortSignal; timeouts?: Partial<Timeouts>; maxConnections?: number; dispatcher?: ReturnType<typeof createDispatcher> } = {}) {
  const timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
  const dispatcher = opts.dispatcher ?? createDispatcher({ timeouts, maxConnections: opts.maxConnections });
  const scope = callScope({ requestId: 'req_test', signal: opts.signal ?? new AbortController().signal }, timeouts);
  return callJson({ dispatcher, url: new URL(path, base), headers: {}, body: '{}', scope });
}

async function rejection(p: Promise<unknown>): Promise<UpstreamError> {
  const err = await p.then(
    () => assert.fail('expected the call to fail'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof UpstreamError, `an UpstreamError, got ${String(err)}`);
  return err;
}

describe('callJson', () => {
  it('parses a JSON answer', async () => {
    assert.deepEqual(await call('/ok'), { answer: 42 });
  });

  it('fails closed on a 2xx body over the size limit, and drops the connection instead of reading the rest', async () => {
    const err = await rejection(call('/huge'));
    assert.equal(err.code, 'upstream_error');
    assert.equal(err.retryable, false);
    assert.match(err.message, /too large/);
    while (hugeSentWhole === undefined) await new Promise((r) => setTimeout(r, 10));
    assert.equal(hugeSentWhole, false, 'the server could not send the whole body');
  });

  it('takes the answer after a 1xx informational response, not the 1xx', async () => {
    assert.deepEqual(await call('/early-hints-then-answer'), { answer: 43 });
  });

  it('an answer that stalls after a 1xx is a retryable timeout, not an HTTP error', async () => {
    const err = await rejection(call('/early-hints-then-stall', { timeouts: { firstByteMs: 100, idleMs: 100 } }));
    assert.equal(err.code, 'upstream_timeout');
    assert.equal(err.retryable, true);
  });

  it('cuts an error body at its limit and still answers with the status and Retry-After', async () => {
    const err = await rejection(call('/huge-error'));
    assert.equal(err.code, 'upstream_error');
    assert.equal(err.upstreamStatus, 503);
    assert.equal(err.retryAfterMs, 7000);
    assert.equal(err.message, 'The model provider answered HTTP 503.');
  });

  it('reports malformed JSON as a retryable upstream error', async () => {
    const err = await rejection(call('/malformed'));
    assert.equal(err.code, 'upstream_error');
    assert.equal(err.retryable, true);
    assert.match(err.message, /malformed JSON/);
  });

  it('an error body that breaks off keeps its status', async () => {
    const err = await rejection(call('/error-cut'));
    assert.equal(err.code, 'rate_limited');
    assert.equal(err.upstreamStatus, 429);
  });

  it('a caller that gives up while waiting for the answer gets its own reason at once', async () => {
    const ac = new AbortController();
    const reason = new RampartError('upstream_timeout', { message: 'the router deadline passed' });
    const p = call('/hang', { signal: ac.signal });
    setTimeout(() => ac.abort(reason), 30);
    const err = await p.then(
      () => assert.fail('expected the call to fail'),
      (e: unknown) => e,
    );
    assert.equal(err, reason);
  });

  it('a caller that gives up while its call waits for a connection is answered at once, and the call never goes out', async () => {
    const dispatcher = createDispatcher({ maxConnections: 1 });
    const first = call('/hang', { dispatcher });
    const seen: string[] = [];
    routes.set('/queued', (req, res) => {
      seen.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
    const ac = new AbortController();
    const reason = new RampartError('upstream_timeout', { message: 'the router deadline passed' });
    const queued = call('/queued', { dispatcher, signal: ac.signal });
    await new Promise((r) => setTimeout(r, 30));
    ac.abort(reason);
    assert.equal(await queued.catch((e: unknown) => e), reason);
    // Free the one connection: the aborted call must not be sent on it.
    for (const res of hanging) res.destroy();
    await first.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(seen, []);
    await dispatcher.close();
  });

  it('an answer that does not start in time is a retryable timeout', async () => {
    const err = await rejection(call('/hang', { timeouts: { firstByteMs: 50 } }));
    assert.equal(err.code, 'upstream_timeout');
    assert.equal(err.retryable, true);
  });

  it('the whole-call timeout aborts a call that is still waiting', async () => {
    const err = await rejection(call('/hang', { timeouts: { totalMs: 50, firstByteMs: 60_000 } }));
    assert.equal(err.code, 'upstream_timeout');
  });
});
