/**
 * Anthropic `/v1/messages` request body -> IR ChatRequest. Unknown top-level fields are ignored
 * (`top_k`, `service_tier`, ...), as the OpenAI face does; known fields are checked with paths.
 */
import { badRequest } from '../../../errors.js';
import type { ChatRequest, ToolChoice, ToolDef } from '../../../translate/ir.js';
import {
  arr, at, quote, invalidType, invalidValue, isAbsent, isObj, jsonObject, num, obj, oneOf, optBool, optNum, optStr,
  str, strArray, toolName,
} from '../json.js';
import { decodeAnthropicMessages } from './messages.js';

export function decodeAnthropicChat(body: unknown, opts: { stream?: boolean } = {}): ChatRequest {
  if (!isObj(body)) throw badRequest('The request body must be a JSON object.');
  const model = str(body.model, 'model');
  if (model === '') invalidValue('model', 'must not be empty.');
  const maxTokens = num(body.max_tokens, 'max_tokens', { integer: true, min: 1 });
  const req: ChatRequest = {
    model,
    system: decodeSystem(body.system),
    messages: decodeAnthropicMessages(body.messages),
    maxTokens,
    stream: optBool(body.stream, 'stream') ?? opts.stream ?? false,
  };
  if (!isAbsent(body.stop_sequences)) {
    const stop = strArray(body.stop_sequences, 'stop_sequences');
    if (stop.length > 0) req.stop = stop;
  }
  const temperature = optNum(body.temperature, 'temperature', { min: 0, max: 1 });
  if (temperature !== undefined) req.temperature = temperature;
  const topP = optNum(body.top_p, 'top_p', { min: 0, max: 1 });
  if (topP !== undefined) req.topP = topP;
  if (!isAbsent(body.tools)) {
    const tools = decodeTools(body.tools);
    if (tools.length > 0) req.tools = tools;
  }
  if (!isAbsent(body.tool_choice)) req.toolChoice = decodeToolChoice(body.tool_choice, req.tools);
  if (!isAbsent(body.metadata)) {
    const user = optStr(obj(body.metadata, 'metadata').user_id, 'metadata.user_id');
    if (user !== undefined) req.user = user;
  }
  return req;
}

function decodeSystem(v: unknown): string[] {
  if (isAbsent(v)) return [];
  if (typeof v === 'string') return v === '' ? [] : [v];
  if (!Array.isArray(v)) return invalidType('system', 'a string or an array of text blocks', v);
  return v.map((raw, i) => {
    const path = at('system', i);
    const b = obj(raw, path);
    oneOf(b.type, at(path, 'type'), ['text'] as const);
    return str(b.text, at(path, 'text'));
  });
}

function decodeTools(v: unknown): ToolDef[] {
  return arr(v, 'tools').map((raw, i) => {
    const path = at('tools', i);
    const t = obj(raw, path);
    // Server tools (web_search_..., bash_..., ...) run inside Anthropic's API; a gateway that may
    // route elsewhere cannot honour them, so only client tools are accepted.
    if (!isAbsent(t.type) && t.type !== 'custom') {
      invalidValue(at(path, 'type'), `server tool ${quote(String(t.type))} is not supported; only custom tools are.`);
    }
    const def: ToolDef = {
      name: toolName(t.name, at(path, 'name')),
      parameters: jsonObject(t.input_schema, at(path, 'input_schema')),
    };
    const description = optStr(t.description, at(path, 'description'));
    if (description !== undefined) def.description = description;
    return def;
  });
}

function decodeToolChoice(v: unknown, tools: ToolDef[] | undefined): ToolChoice {
  const tc = obj(v, 'tool_choice');
  switch (oneOf(tc.type, 'tool_choice.type', ['auto', 'any', 'tool', 'none'] as const)) {
    case 'auto': return 'auto';
    case 'none': return 'none';
    case 'any': return 'required';
    case 'tool': {
      const name = str(tc.name, 'tool_choice.name');
      if (!tools?.some((t) => t.name === name)) invalidValue('tool_choice.name', `no tool named ${quote(name)} in 'tools'.`);
      return { name };
    }
  }
}
