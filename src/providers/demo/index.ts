/**
 * A provider with no upstream, for trying Rampart without keys and for tests of everything around
 * providers. Deterministic and clearly labelled: every reply starts with "[rampart demo]", so
 * nobody mistakes it for a model. It echoes a summary of the last user message, calls the first
 * tool when asked to "use tool", and embeds text as hash-based unit vectors.
 */
import { createHash } from 'node:crypto';
import type { DemoProviderConfig } from '../../config/schema.js';
import { RampartError, badRequest } from '../../errors.js';
import {
  requestTexts,
  type ChatRequest,
  type ChatResponse,
  type EmbeddingRequest,
  type EmbeddingResponse,
  type StreamEvent,
  type TextPart,
  type ToolCallPart,
  type Usage,
} from '../../translate/ir.js';
import { UpstreamError, type Deployment, type Provider, type UpstreamCall } from '../types.js';

export const DEMO_LABEL = '[rampart demo]';
const SUMMARY_CHARS = 120;
const WORDS_PER_CHUNK = 3;

export function createDemoProvider(cfg: Pick<DemoProviderConfig, 'name'>): Provider {
  return {
    kind: 'demo',
    name: cfg.name,

    async chat(req: ChatRequest, dep: Deployment, call: UpstreamCall): Promise<ChatResponse> {
      checkSignal(call.signal);
      return answer(req, dep);
    },

    async chatStream(req: ChatRequest, dep: Deployment, call: UpstreamCall): Promise<AsyncIterable<StreamEvent>> {
      checkSignal(call.signal);
      const res = answer(req, dep);
      return streamOf(res, call.signal);
    },

    async embed(req: EmbeddingRequest, dep: Deployment, call: UpstreamCall): Promise<EmbeddingResponse> {
      checkSignal(call.signal);
      const dims = req.dimensions ?? 16;
      if (!Number.isInteger(dims) || dims < 1 || dims > 4096) throw badRequest('dimensions must be an integer from 1 to 4096', 'dimensions');
      return {
        model: dep.upstreamModel,
        vectors: req.input.map((t) => unitVector(t, dims)),
        usage: { inputTokens: req.input.reduce((n, t) => n + countWords(t), 0) },
      };
    },

    async close(): Promise<void> {},
  };
}

function answer(req: ChatRequest, dep: Deployment): ChatResponse {
  const id = `demo-${hash(JSON.stringify(req)).slice(0, 24)}`;
  const inputTokens = Math.max(1, requestTexts(req).reduce((n, t) => n + countWords(t), 0));
  const last = req.messages.at(-1);
  const lastText = last ? last.content.map((p) => (p.type === 'text' ? p.text : p.type === 'tool_result' ? p.content : '')).join(' ') : '';

  const tool = req.tools?.[0];
  if (tool && last?.role === 'user' && /\buse tool\b/i.test(lastText) && req.toolChoice !== 'none') {
    const call: ToolCallPart = { type: 'tool_call', id: `call_demo_${hash(id).slice(0, 12)}`, name: tool.name, arguments: '{}' };
    return { id, model: dep.upstreamModel, content: [call], stopReason: 'tool_use', usage: { inputTokens, outputTokens: 1 } };
  }

  const what = last?.role === 'tool' ? 'Tool result received' : 'You said';
  let words = `${DEMO_LABEL} ${what}: "${summarize(lastText)}"`.split(' ');
  let stopReason: ChatResponse['stopReason'] = 'end_turn';
  if (req.maxTokens !== undefined && words.length > req.maxTokens) {
    // Keep the label even at tiny limits: the reply must never pass for a real model's.
    words = words.slice(0, Math.max(2, req.maxTokens));
    stopReason = 'max_tokens';
  }
  const text: TextPart = { type: 'text', text: words.join(' ') };
  return { id, model: dep.upstreamModel, content: [text], stopReason, usage: { inputTokens, outputTokens: words.length } };
}

async function* streamOf(res: ChatResponse, signal: AbortSignal): AsyncGenerator<StreamEvent> {
  yield { type: 'start', id: res.id, model: res.model };
  let index = 0;
  for (const part of res.content) {
    checkSignal(signal);
    if (part.type === 'text') {
      const words = part.text.split(' ');
      for (let i = 0; i < words.length; i += WORDS_PER_CHUNK) {
        // Yield to the event loop between chunks so an abort can land, as with a real upstream.
        await new Promise<void>((r) => setImmediate(r));
        checkSignal(signal);
        const piece = words.slice(i, i + WORDS_PER_CHUNK).join(' ');
        yield { type: 'text', index, text: i === 0 ? piece : ` ${piece}` };
      }
    } else {
      yield { type: 'tool_call_start', index, id: part.id, name: part.name };
      yield { type: 'tool_call_delta', index, arguments: part.arguments };
    }
    yield { type: 'block_stop', index };
    index++;
  }
  yield { type: 'stop', stopReason: res.stopReason };
  const usage: Usage = res.usage;
  yield { type: 'usage', usage };
}

function checkSignal(signal: AbortSignal): void {
  if (!signal.aborted) return;
  const reason: unknown = signal.reason;
  if (reason instanceof RampartError) throw reason;
  throw new UpstreamError('upstream_error', { message: 'The upstream call was aborted.', retryable: false });
}

function summarize(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length === 0) return '(no text)';
  return flat.length > SUMMARY_CHARS ? `${flat.slice(0, SUMMARY_CHARS)}…` : flat;
}

export function countWords(text: string): number {
  const t = text.trim();
  return t.length === 0 ? 0 : t.split(/\s+/).length;
}

function hash(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/** Same text, same vector; different texts, (almost surely) different directions. */
export function unitVector(text: string, dims: number): number[] {
  const out: number[] = [];
  for (let block = 0; out.length < dims; block++) {
    const d = createHash('sha256').update(`${block}:${text}`).digest();
    for (let i = 0; i + 4 <= d.length && out.length < dims; i += 4) out.push(d.readUInt32BE(i) / 0xffffffff - 0.5);
  }
  const norm = Math.sqrt(out.reduce((s, x) => s + x * x, 0)) || 1;
  return out.map((x) => x / norm);
}
