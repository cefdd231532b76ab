/**
 * Incremental Server-Sent Events parser over a Node byte stream (the undici response body), per
 * the WHATWG EventSource rules: CR, LF and CRLF line ends (a CRLF split across two chunks counts
 * once), multi-line `data` joined with LF, `:` comment lines ignored, one optional space after the
 * colon stripped. Bytes are decoded with a streaming UTF-8 decoder so a multi-byte character cut
 * by a chunk boundary survives.
 */
import { StringDecoder } from 'node:string_decoder';

export interface SSEEvent {
  /** The `event:` field; undefined means the default "message". */
  event?: string;
  data: string;
  id?: string;
}

export interface ParseSSEOptions {
  /** Largest single event (or unterminated line) in characters; bigger fails closed. */
  maxEventChars?: number;
}

export class SSEParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SSEParseError';
  }
}

const DEFAULT_MAX_EVENT_CHARS = 8 * 1024 * 1024;

/** Push-style parser; `parseSSE` wraps it for streams. Exposed for tests and non-stream callers. */
export class SSEDecoder {
  private readonly decoder = new StringDecoder('utf8');
  private readonly max: number;
  private buf = '';
  private lastWasCR = false;
  private event: string | undefined;
  private data: string[] = [];
  private dataChars = 0;
  private id: string | undefined;

  constructor(opts: ParseSSEOptions = {}) {
    this.max = opts.maxEventChars ?? DEFAULT_MAX_EVENT_CHARS;
  }

  push(chunk: Buffer | string): SSEEvent[] {
    const text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    return this.feed(text);
  }

  /** Call at end of stream: an event not closed by a blank line is dropped, as EventSource does. */
  end(): SSEEvent[] {
    const out = this.feed(this.decoder.end());
    return out;
  }

  private feed(text: string): SSEEvent[] {
    const out: SSEEvent[] = [];
    let s = this.buf + text;
    let start = 0;
    if (this.lastWasCR && s.startsWith('\n')) start = 1;
    this.lastWasCR = false;
    for (let i = start; i < s.length; i++) {
      const ch = s.charCodeAt(i);
      if (ch !== 10 && ch !== 13) continue;
      this.line(s.slice(start, i), out);
      if (ch === 13) {
        if (i + 1 < s.length) {
          if (s.charCodeAt(i + 1) === 10) i++;
        } else {
          this.lastWasCR = true;
        }
      }
      start = i + 1;
    }
    s = s.slice(start);
    if (s.length + this.dataChars > this.max) throw new SSEParseError('server-sent event exceeds the size limit');
    this.buf = s;
    return out;
  }

  private line(line: string, out: SSEEvent[]): void {
    if (line === '') {
      if (this.data.length > 0) {
        const ev: SSEEvent = { data: this.data.join('\n') };
        if (this.event !== undefined) ev.event = this.event;
        if (this.id !== undefined) ev.id = this.id;
        out.push(ev);
      }
      this.event = undefined;
      this.data = [];
      this.dataChars = 0;
      return;
    }
    if (line.charCodeAt(0) === 58 /* ':' */) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    switch (field) {
      case 'data':
        this.dataChars += value.length + 1;
        if (this.dataChars > this.max) throw new SSEParseError('server-sent event exceeds the size limit');
        this.data.push(value);
        break;
      case 'event':
        this.event = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.id = value;
        break;
      default:
        // `retry` and unknown fields mean nothing to a gateway reading a finite response.
        break;
    }
  }
}

/** Yields complete events as bytes arrive. Breaking out of the loop destroys the source stream. */
export async function* parseSSE(source: AsyncIterable<Buffer | string>, opts: ParseSSEOptions = {}): AsyncGenerator<SSEEvent> {
  const dec = new SSEDecoder(opts);
  for await (const chunk of source) {
    for (const ev of dec.push(chunk)) yield ev;
  }
  for (const ev of dec.end()) yield ev;
}
