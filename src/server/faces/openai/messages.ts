/**
 * OpenAI chat `messages[]` -> IR. System and developer messages become IR system prompts; the rest
 * map one to one (an OpenAI `tool` message is one IR `tool` message with one tool_result part).
 */
import { badRequest } from '../../../errors.js';
import type { Message, Part, TextPart } from '../../../translate/ir.js';
import {
  arr, at, quote, checkImage, invalidType, invalidValue, isAbsent, obj, oneOf, parseDataUrl, str,
} from '../json.js';

export interface DecodedMessages {
  system: string[];
  messages: Message[];
}

const ROLES = ['system', 'developer', 'user', 'assistant', 'tool'] as const;

export function decodeMessages(v: unknown): DecodedMessages {
  const list = arr(v, 'messages', { nonEmpty: true });
  const system: string[] = [];
  const messages: Message[] = [];
  list.forEach((raw, i) => {
    const path = at('messages', i);
    const m = obj(raw, path);
    const role = m.role;
    if (typeof role === 'string' && !(ROLES as readonly string[]).includes(role)) {
      // `function` is the pre-tools API; saying so beats a bare enum error.
      const hint = role === 'function' ? " The legacy 'function' role is not supported; use 'tool'." : '';
      throw badRequest(
        `Invalid value for '${at(path, 'role')}': ${quote(role)} is not one of ${ROLES.join(', ')}.${hint}`,
        at(path, 'role'),
      );
    }
    switch (oneOf(role, at(path, 'role'), ROLES)) {
      case 'system':
      case 'developer':
        system.push(textOnly(m.content, at(path, 'content')));
        break;
      case 'user':
        messages.push({ role: 'user', content: userContent(m.content, at(path, 'content')) });
        break;
      case 'assistant':
        messages.push(assistant(m, path));
        break;
      case 'tool': {
        const toolCallId = str(m.tool_call_id, at(path, 'tool_call_id'));
        const content = textOnly(m.content, at(path, 'content'));
        messages.push({ role: 'tool', content: [{ type: 'tool_result', toolCallId, content }] });
        break;
      }
    }
  });
  return { system, messages };
}

/** Content that may only be text: a string or an array of text parts, joined. */
function textOnly(v: unknown, path: string): string {
  if (typeof v === 'string') return v;
  if (!Array.isArray(v)) return invalidType(path, 'a string or an array of text parts', v);
  return v.map((p, i) => textPart(p, at(path, i)).text).join('');
}

function textPart(v: unknown, path: string): TextPart {
  const p = obj(v, path);
  const type = str(p.type, at(path, 'type'));
  if (type !== 'text') invalidValue(at(path, 'type'), `expected 'text', got ${quote(type)}.`);
  return { type: 'text', text: str(p.text, at(path, 'text')) };
}

function userContent(v: unknown, path: string): Part[] {
  if (typeof v === 'string') return [{ type: 'text', text: v }];
  if (!Array.isArray(v)) return invalidType(path, 'a string or an array of content parts', v);
  if (v.length === 0) invalidValue(path, 'must not be empty.');
  return v.map((raw, i): Part => {
    const pp = at(path, i);
    const p = obj(raw, pp);
    const type = str(p.type, at(pp, 'type'));
    if (type === 'text') return { type: 'text', text: str(p.text, at(pp, 'text')) };
    if (type === 'image_url') return imagePart(p.image_url, at(pp, 'image_url'));
    return invalidValue(at(pp, 'type'), `content part type ${quote(type)} is not supported; use 'text' or 'image_url'.`);
  });
}

function imagePart(v: unknown, path: string): Part {
  // Older clients send the URL as a bare string; the documented form is { url, detail }.
  const url = typeof v === 'string' ? v : str(obj(v, path).url, at(path, 'url'));
  const urlPath = typeof v === 'string' ? path : at(path, 'url');
  if (/^https?:/i.test(url)) {
    // The gateway must not fetch arbitrary hosts on a caller's behalf (SSRF, egress policy).
    throw badRequest(
      `Image URLs are not fetched by this gateway; send the image inline as a base64 data URL ` +
        `(data:image/png;base64,...) in '${urlPath}'.`,
      urlPath,
    );
  }
  const parsed = parseDataUrl(url);
  if (!parsed) invalidValue(urlPath, 'expected a base64 data URL (data:image/png;base64,...).');
  checkImage(parsed.mediaType, parsed.data, urlPath);
  return { type: 'image', mediaType: parsed.mediaType, data: parsed.data };
}

function assistant(m: Record<string, unknown>, path: string): Message {
  const content: Part[] = [];
  const cpath = at(path, 'content');
  if (typeof m.content === 'string') {
    if (m.content !== '') content.push({ type: 'text', text: m.content });
  } else if (Array.isArray(m.content)) {
    m.content.forEach((raw, i) => {
      const pp = at(cpath, i);
      const p = obj(raw, pp);
      const type = str(p.type, at(pp, 'type'));
      // A refusal the model gave earlier is still text the conversation contains.
      if (type === 'text') content.push({ type: 'text', text: str(p.text, at(pp, 'text')) });
      else if (type === 'refusal') content.push({ type: 'text', text: str(p.refusal, at(pp, 'refusal')) });
      else invalidValue(at(pp, 'type'), `expected 'text' or 'refusal', got ${quote(type)}.`);
    });
  } else if (!isAbsent(m.content)) {
    invalidType(cpath, 'a string, an array of text parts or null', m.content);
  }
  if (!isAbsent(m.tool_calls)) {
    const tpath = at(path, 'tool_calls');
    arr(m.tool_calls, tpath).forEach((raw, i) => {
      const cp = at(tpath, i);
      const c = obj(raw, cp);
      if (!isAbsent(c.type)) oneOf(c.type, at(cp, 'type'), ['function'] as const);
      const fn = obj(c.function, at(cp, 'function'));
      content.push({
        type: 'tool_call',
        id: str(c.id, at(cp, 'id')),
        name: str(fn.name, at(at(cp, 'function'), 'name')),
        arguments: str(fn.arguments, at(at(cp, 'function'), 'arguments')),
      });
    });
  }
  if (content.length === 0) {
    // A turn with nothing in it would be rejected by every provider, with a less useful message.
    invalidValue(cpath, 'an assistant message needs content or tool_calls.');
  }
  return { role: 'assistant', content };
}
