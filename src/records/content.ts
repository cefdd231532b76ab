/**
 * What of a call's content goes into its invocation record, by content policy:
 *   full      the request and answer as Rampart saw them (after any guardrail anonymisation);
 *   masked    only text a guardrail anonymised, or text passed through the configured mask; other text is replaced
 *             by its length;
 *   metadata  no bodies at all.
 * Images are never copied (only their type and size), and a payload over the size limit is cut with a marker.
 * Request headers are never read here: credentials cannot reach a record.
 */
import type { RequestContext } from '../pipeline/context.js';
import type { ChatRequest, ChatResponse, Message, Part, StreamEvent } from '../translate/ir.js';
import type { ContentPolicy } from './types.js';

export type Mask = (text: string, source: 'INPUT' | 'OUTPUT') => string;

export interface ContentOptions {
  policy: ContentPolicy;
  mask?: Mask;
  /** Largest serialised payload kept per side; default 256 KiB. */
  maxPayloadChars: number;
}

/** Text accumulated from a streamed answer (see captureStream). */
export interface StreamCapture {
  text: string[];
  toolCalls: Array<{ id: string; name: string; arguments: string }>;
  stopReason?: string;
  chars: number;
  cut: boolean;
}

type TextFn = (text: string) => unknown;

function textFn(opts: ContentOptions, source: 'INPUT' | 'OUTPUT', anonymised: boolean): TextFn {
  if (opts.policy === 'full') return (t) => t;
  if (opts.mask) {
    const mask = opts.mask;
    return (t) => mask(t, source);
  }
  if (anonymised) return (t) => t;
  return (t) => ({ redacted: true, chars: t.length });
}

function part(p: Part, tf: TextFn): unknown {
  switch (p.type) {
    case 'text':
      return { type: 'text', text: tf(p.text) };
    case 'image':
      return { type: 'image', mediaType: p.mediaType, bytes: Math.floor((p.data.length * 3) / 4) };
    case 'tool_call':
      return { type: 'tool_call', id: p.id, name: p.name, arguments: tf(p.arguments) };
    case 'tool_result':
      return { type: 'tool_result', toolCallId: p.toolCallId, content: tf(p.content), isError: p.isError };
  }
}

function anonymised(ctx: RequestContext, source: 'INPUT' | 'OUTPUT'): boolean {
  return ctx.guardrails.some((g) => g.source === source && g.action === 'ANONYMIZED');
}

/**
 * Cuts a payload past `max` characters. `approx` (the summed text lengths) spares serialising every payload just
 * to measure it: only one that may be too long is serialised here.
 */
function cap(value: unknown, approx: number, max: number): unknown {
  if (approx * 1.25 + 4096 < max) return value;
  const s = JSON.stringify(value);
  if (s === undefined || s.length <= max) return value;
  return { truncated: true, originalChars: s.length, head: s.slice(0, max) };
}

function chatChars(req: ChatRequest): number {
  let n = 0;
  for (const t of req.system) n += t.length;
  for (const m of req.messages) {
    for (const p of m.content) {
      if (p.type === 'text') n += p.text.length;
      else if (p.type === 'tool_result') n += p.content.length;
      else if (p.type === 'tool_call') n += p.arguments.length + p.name.length;
      else n += 64;
    }
  }
  for (const t of req.tools ?? []) n += t.name.length + 8;
  return n;
}

function partsChars(parts: ReadonlyArray<{ type: string; text?: string; arguments?: string }>): number {
  let n = 0;
  for (const p of parts) n += (p.text?.length ?? 0) + (p.arguments?.length ?? 0) + 32;
  return n;
}

export function inputBody(ctx: RequestContext, opts: ContentOptions): unknown {
  if (opts.policy === 'metadata') return undefined;
  const tf = textFn(opts, 'INPUT', anonymised(ctx, 'INPUT'));
  if (ctx.chat) return cap(chatBody(ctx.chat, tf), chatChars(ctx.chat), opts.maxPayloadChars);
  if (ctx.embed) {
    const chars = ctx.embed.input.reduce((n, t) => n + t.length + 4, 0);
    return cap({ model: ctx.embed.model, input: ctx.embed.input.map(tf) }, chars, opts.maxPayloadChars);
  }
  return undefined;
}

function chatBody(req: ChatRequest, tf: TextFn): unknown {
  return {
    model: req.model,
    system: req.system.map(tf),
    messages: req.messages.map((m: Message) => ({ role: m.role, content: m.content.map((p) => part(p, tf)) })),
    maxTokens: req.maxTokens,
    temperature: req.temperature,
    topP: req.topP,
    stop: req.stop,
    tools: req.tools?.map((t) => t.name),
    stream: req.stream,
  };
}

export function outputBody(ctx: RequestContext, opts: ContentOptions, captured?: StreamCapture): unknown {
  if (opts.policy === 'metadata') return undefined;
  const tf = textFn(opts, 'OUTPUT', anonymised(ctx, 'OUTPUT'));
  if (ctx.response) return cap(responseBody(ctx.response, tf), partsChars(ctx.response.content), opts.maxPayloadChars);
  if (captured) {
    return cap(
      {
        content: [
          ...(captured.text.length ? [{ type: 'text', text: tf(captured.text.join('')) }] : []),
          ...captured.toolCalls.map((c) => ({ type: 'tool_call', id: c.id, name: c.name, arguments: tf(c.arguments) })),
        ],
        stopReason: captured.stopReason,
        captureCut: captured.cut || undefined,
      },
      captured.chars,
      opts.maxPayloadChars,
    );
  }
  if (ctx.embedding) return { model: ctx.embedding.model, vectors: ctx.embedding.vectors.length };
  return undefined;
}

function responseBody(res: ChatResponse, tf: TextFn): unknown {
  return { id: res.id, model: res.model, content: res.content.map((p) => part(p, tf)), stopReason: res.stopReason };
}

/** Wraps a stream so the recorder sees the answer's text; stops copying (not passing) past `maxChars`. */
export async function* captureEvents(
  events: AsyncIterable<StreamEvent>,
  into: StreamCapture,
  maxChars: number,
): AsyncIterable<StreamEvent> {
  const calls = new Map<number, { id: string; name: string; arguments: string }>();
  for await (const ev of events) {
    if (!into.cut) {
      if (ev.type === 'text') {
        into.text.push(ev.text);
        into.chars += ev.text.length;
      } else if (ev.type === 'tool_call_start') {
        const c = { id: ev.id, name: ev.name, arguments: '' };
        calls.set(ev.index, c);
        into.toolCalls.push(c);
      } else if (ev.type === 'tool_call_delta') {
        const c = calls.get(ev.index);
        if (c) c.arguments += ev.arguments;
        into.chars += ev.arguments.length;
      }
      if (into.chars > maxChars) into.cut = true;
    }
    if (ev.type === 'stop') into.stopReason = ev.stopReason;
    yield ev;
  }
}
