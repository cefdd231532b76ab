import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { RampartError } from '../errors.js';

/** HTTP/1.1 and HTTP/2 compat requests share this surface; handlers use nothing else. */
export type Req = IncomingMessage | Http2ServerRequest;
export type Res = ServerResponse | Http2ServerResponse;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads the whole body, refusing anything over `limit` bytes before buffering it: a declared
 * Content-Length over the limit is refused without reading a byte, a chunked body as soon as the
 * running total passes the limit. Invalid UTF-8 is a bad request, never a mangled string.
 */
export function readBody(req: Req, res: Res, limit: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    abandonBody(res);
    return Promise.reject(tooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err?: RampartError) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
      if (err) {
        // Stop reading; the connection closes after the answer.
        req.pause();
        abandonBody(res);
        reject(err);
      } else resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) return finish(tooLarge(limit));
      chunks.push(c);
    };
    const onEnd = () => finish();
    const onError = () => finish(new RampartError('bad_request', { message: 'The request body could not be read.' }));
    const onAborted = () => finish(new RampartError('bad_request', { message: 'The client aborted the request.' }));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

/**
 * The rest of this request's body will not be read: on HTTP/1.1 the connection must close after
 * the answer, or the unread bytes would be parsed as the next request. (HTTP/2 streams are
 * independent; the session ignores the rest of the stream.)
 */
function abandonBody(res: Res): void {
  if ('shouldKeepAlive' in res) res.shouldKeepAlive = false;
}

function tooLarge(limit: number): RampartError {
  return new RampartError('payload_too_large', { message: `The request body is larger than ${limit} bytes.` });
}

export function parseJsonBody(raw: Buffer): unknown {
  if (raw.length === 0) throw new RampartError('bad_request', { message: 'The request body is empty; a JSON object is required.' });
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw new RampartError('bad_request', { message: 'The request body is not valid UTF-8.' });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new RampartError('bad_request', { message: `The request body is not valid JSON: ${(err as Error).message}` });
  }
}

/** Writes a complete answer. Safe to call once; later calls are ignored. */
export function send(res: Res, status: number, headers: Record<string, string>, body: string | Uint8Array): void {
  if (res.headersSent || res.writableEnded) return;
  const len = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
  (res as ServerResponse).writeHead(status, { ...headers, 'content-length': String(len) });
  (res as ServerResponse).end(body);
}

export function sendJson(res: Res, status: number, value: unknown, headers: Record<string, string> = {}): void {
  send(res, status, { 'content-type': 'application/json', ...headers }, JSON.stringify(value));
}

/** Writes a chunk, waiting for drain under backpressure; false when the client went away. */
export function writeChunk(res: Res, chunk: string | Uint8Array): Promise<boolean> | boolean {
  if (res.destroyed || res.writableEnded) return false;
  if ((res as ServerResponse).write(chunk)) return true;
  return new Promise((resolve) => {
    const onDrain = () => { cleanup(); resolve(true); };
    const onClose = () => { cleanup(); resolve(false); };
    const cleanup = () => { res.off('drain', onDrain); res.off('close', onClose); };
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}

/** The direct peer address (X-Forwarded-For is only honoured by the identity stage for trusted proxies). */
export function peerAddress(req: Req): string {
  const a = req.socket?.remoteAddress ?? '';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}
