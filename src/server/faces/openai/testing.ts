/**
 * Test helpers for the face suites (not shipped on the request path): a loopback HTTP server that
 * answers official SDK clients with whatever a handler returns, an IR-response-to-stream helper,
 * and a minimal incremental SSE parser used to check frame boundaries.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChatResponse, StreamEvent } from '../../../translate/ir.js';
import type { EncodeExtras, WireAnswer } from '../types.js';

export interface TestRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** A streamed reply: each chunk is written separately, as the server would. */
export interface StreamReply {
  status?: number;
  headers: Record<string, string>;
  chunks: Array<string | Uint8Array | undefined>;
}

export type Reply = WireAnswer | StreamReply;

export interface TestServer {
  baseURL: string;
  close(): Promise<void>;
}

export async function startServer(handle: (r: TestRequest) => Reply | Promise<Reply>): Promise<TestServer> {
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      void (async () => {
        const text = Buffer.concat(parts).toString('utf8');
        const body: unknown = text === '' ? undefined : JSON.parse(text);
        const reply = await handle({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body });
        if ('chunks' in reply) {
          res.writeHead(reply.status ?? 200, reply.headers);
          for (const c of reply.chunks) if (c !== undefined && c.length > 0) res.write(c);
          res.end();
        } else {
          res.writeHead(reply.status, reply.headers);
          res.end(reply.body);
        }
      })().catch((err: unknown) => {
        res.writeHead(599);
        res.end(String(err));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

export function extras(over: Partial<EncodeExtras> = {}): EncodeExtras {
  return { requestId: 'req_test123', guardrails: [], latencyMs: () => 1, ...over };
}

/** The events a provider would emit for this response, text split in small pieces. */
export function responseToEvents(res: ChatResponse): StreamEvent[] {
  const evs: StreamEvent[] = [{ type: 'start', id: res.id, model: res.model }];
  res.content.forEach((p, index) => {
    if (p.type === 'text') {
      for (let i = 0; i < p.text.length; i += 4) evs.push({ type: 'text', index, text: p.text.slice(i, i + 4) });
    } else {
      evs.push({ type: 'tool_call_start', index, id: p.id, name: p.name });
      for (let i = 0; i < p.arguments.length; i += 5) {
        evs.push({ type: 'tool_call_delta', index, arguments: p.arguments.slice(i, i + 5) });
      }
    }
    evs.push({ type: 'block_stop', index });
  });
  evs.push({ type: 'stop', stopReason: res.stopReason }, { type: 'usage', usage: res.usage });
  return evs;
}

export interface SseEvent { event?: string; data: string }

/**
 * Incremental SSE parser over raw bytes: feed chunks split anywhere (even inside a UTF-8
 * sequence), get back whole events. Only what the faces emit: `event:` and `data:` lines.
 */
export class SseParser {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private buf = '';
  readonly events: SseEvent[] = [];

  push(chunk: Uint8Array): void {
    this.buf += this.decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = this.buf.indexOf('\n\n')) >= 0) {
      const block = this.buf.slice(0, end);
      this.buf = this.buf.slice(end + 2);
      const ev: SseEvent = { data: '' };
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) ev.event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
        else throw new Error(`unexpected SSE line: ${JSON.stringify(line)}`);
      }
      ev.data = data.join('\n');
      this.events.push(ev);
    }
  }

  /** Throws when bytes are left over: a frame was not terminated. */
  finish(): SseEvent[] {
    this.buf += this.decoder.decode();
    if (this.buf !== '') throw new Error(`unterminated SSE data: ${JSON.stringify(this.buf)}`);
    return this.events;
  }
}
