import { tokenizer } from './tokenizer.js';
import { requestTexts, type ChatRequest, type EmbeddingRequest } from '../translate/ir.js';

/** Chat framing tokens per message (role markers), as OpenAI counts them. */
const PER_MESSAGE = 4;

/** The request's text and a cheap size, without tokenizing. */
export interface InputSize {
  texts: string[];
  /** UTF-8 bytes of all text; a hard upper bound on BPE tokens (each token is at least one byte). */
  bytes: number;
  /** Framing overhead added to any count. */
  overhead: number;
}

export function measureInput(chat?: ChatRequest, embed?: EmbeddingRequest): InputSize {
  const texts = chat ? requestTexts(chat) : embed ? embed.input : [];
  let bytes = 0;
  for (const t of texts) bytes += Buffer.byteLength(t, 'utf8');
  const overhead = chat ? PER_MESSAGE * (chat.messages.length + chat.system.length) + 3 : 0;
  return { texts, bytes, overhead };
}

/** The usual ~4 bytes per token of English text: what tpm reserves when no exact count was needed. */
export function estimateTokens(s: InputSize): number {
  return Math.ceil(s.bytes / 4) + s.overhead;
}

/**
 * Exact count only when it matters: if the byte bound already fits, the limit cannot be exceeded
 * and tokenizing is skipped; otherwise gpt-tokenizer counts, stopping as soon as the limit is
 * passed. Returns the exact count, or undefined when over the limit.
 */
export function countWithin(s: InputSize, limit: number): { tokens: number; exact: boolean } | undefined {
  if (s.bytes + s.overhead <= limit) return { tokens: estimateTokens(s), exact: false };
  const budget = limit - s.overhead;
  if (budget < 0) return undefined;
  const n = tokenizer().isWithinTokenLimit(s.texts.join('\n'), budget);
  return n === false ? undefined : { tokens: n + s.overhead, exact: true };
}
