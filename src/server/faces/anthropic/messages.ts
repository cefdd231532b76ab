/**
 * Anthropic `messages[]` -> IR messages. Anthropic carries tool results inside a user turn; the IR
 * gives them their own `tool` role, so a user turn is split into runs: tool_result blocks become a
 * `tool` message, everything else a `user` message, in the original order.
 */
import type { Message, Part } from '../../../translate/ir.js';
import {
  arr, at, quote, checkImage, invalidType, invalidValue, isAbsent, isObj, obj, oneOf, optBool, str,
} from '../json.js';

export function decodeAnthropicMessages(v: unknown): Message[] {
  const list = arr(v, 'messages', { nonEmpty: true });
  const out: Message[] = [];
  list.forEach((raw, i) => {
    const path = at('messages', i);
    const m = obj(raw, path);
    const role = oneOf(m.role, at(path, 'role'), ['user', 'assistant'] as const);
    const cpath = at(path, 'content');
    if (typeof m.content === 'string') {
      out.push({ role, content: [{ type: 'text', text: m.content }] });
      return;
    }
    if (!Array.isArray(m.content)) invalidType(cpath, 'a string or an array of content blocks', m.content);
    const blocks = arr(m.content, cpath, { nonEmpty: true });
    let current: Message | undefined;
    blocks.forEach((b, j) => {
      const part = block(b, at(cpath, j), role);
      const partRole = part.type === 'tool_result' ? 'tool' : role;
      if (!current || current.role !== partRole) {
        current = { role: partRole, content: [] };
        out.push(current);
      }
      current.content.push(part);
    });
  });
  return out;
}

const USER_BLOCKS = ['text', 'image', 'tool_result'] as const;
const ASSISTANT_BLOCKS = ['text', 'tool_use'] as const;

function block(v: unknown, path: string, role: 'user' | 'assistant'): Part {
  const b = obj(v, path);
  const type = str(b.type, at(path, 'type'));
  const allowed: readonly string[] = role === 'user' ? USER_BLOCKS : ASSISTANT_BLOCKS;
  if (!allowed.includes(type)) {
    invalidValue(at(path, 'type'),
      `${quote(type)} blocks are not supported in ${role} messages; use ${allowed.map((t) => `'${t}'`).join(', ')}.`);
  }
  switch (type) {
    case 'text':
      return { type: 'text', text: str(b.text, at(path, 'text')) };
    case 'image':
      return image(b.source, at(path, 'source'));
    case 'tool_use': {
      const input = b.input;
      if (!isObj(input)) invalidType(at(path, 'input'), 'an object', input);
      return {
        type: 'tool_call',
        id: str(b.id, at(path, 'id')),
        name: str(b.name, at(path, 'name')),
        arguments: JSON.stringify(input),
      };
    }
    default: {
      const part: Part = {
        type: 'tool_result',
        toolCallId: str(b.tool_use_id, at(path, 'tool_use_id')),
        content: toolResultContent(b.content, at(path, 'content')),
      };
      const isError = optBool(b.is_error, at(path, 'is_error'));
      if (isError !== undefined) part.isError = isError;
      return part;
    }
  }
}

function image(v: unknown, path: string): Part {
  const src = obj(v, path);
  const type = str(src.type, at(path, 'type'));
  if (type === 'url') {
    // The gateway must not fetch arbitrary hosts on a caller's behalf (SSRF, egress policy).
    invalidValue(at(path, 'type'),
      "image URLs are not fetched by this gateway; send the image inline with source.type 'base64'.");
  }
  if (type !== 'base64') invalidValue(at(path, 'type'), `expected 'base64', got ${quote(type)}.`);
  const mediaType = str(src.media_type, at(path, 'media_type'));
  const data = str(src.data, at(path, 'data'));
  checkImage(mediaType, data, at(path, 'data'));
  return { type: 'image', mediaType, data };
}

/** The IR keeps a tool result as text, so only text blocks are accepted inside it. */
function toolResultContent(v: unknown, path: string): string {
  if (isAbsent(v)) return '';
  if (typeof v === 'string') return v;
  if (!Array.isArray(v)) return invalidType(path, 'a string or an array of text blocks', v);
  return v.map((raw, i) => {
    const bp = at(path, i);
    const b = obj(raw, bp);
    const type = str(b.type, at(bp, 'type'));
    if (type !== 'text') invalidValue(at(bp, 'type'), `only 'text' blocks are supported in tool results, got ${quote(type)}.`);
    return str(b.text, at(bp, 'text'));
  }).join('');
}
