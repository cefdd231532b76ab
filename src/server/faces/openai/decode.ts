/**
 * OpenAI `/v1/chat/completions` request body -> IR ChatRequest. Unknown top-level fields are
 * ignored (SDKs and frameworks send many: `logprobs`, `seed`, `parallel_tool_calls`, ...); a known
 * field of the wrong type is a bad_request whose `param` names the exact path.
 */
import { badRequest } from '../../../errors.js';
import type { ChatRequest, ResponseFormat, ToolChoice, ToolDef } from '../../../translate/ir.js';
import {
  arr, at, quote, invalidType, invalidValue, isAbsent, isObj, jsonObject, obj, oneOf, optBool, optNum, optStr,
  str, strArray, toolName,
} from '../json.js';
import { decodeMessages } from './messages.js';

export function decodeOpenAIChat(body: unknown, opts: { stream?: boolean } = {}): ChatRequest {
  if (!isObj(body)) throw badRequest('The request body must be a JSON object.');
  const model = decodeModel(body);
  const { system, messages } = decodeMessages(body.messages);

  const req: ChatRequest = { model, system, messages, stream: false };

  // max_completion_tokens replaced max_tokens; when both come, the newer one is what the caller meant.
  const maxTokens =
    optNum(body.max_completion_tokens, 'max_completion_tokens', { integer: true, min: 1 }) ??
    optNum(body.max_tokens, 'max_tokens', { integer: true, min: 1 });
  if (maxTokens !== undefined) req.maxTokens = maxTokens;
  const temperature = optNum(body.temperature, 'temperature', { min: 0, max: 2 });
  if (temperature !== undefined) req.temperature = temperature;
  const topP = optNum(body.top_p, 'top_p', { min: 0, max: 1 });
  if (topP !== undefined) req.topP = topP;

  if (!isAbsent(body.stop)) {
    const stop = typeof body.stop === 'string' ? [body.stop] : Array.isArray(body.stop)
      ? strArray(body.stop, 'stop') : invalidType('stop', 'a string or an array of strings', body.stop);
    if (stop.length > 0) req.stop = stop;
  }

  const n = optNum(body.n, 'n', { integer: true, min: 1 });
  if (n !== undefined && n !== 1) {
    // Several choices would multiply cost behind one budget check and one guardrail pass.
    throw badRequest(`Invalid value for 'n': only n=1 is supported by this gateway.`, 'n');
  }

  if (!isAbsent(body.tools)) {
    const tools = decodeTools(body.tools);
    if (tools.length > 0) req.tools = tools;
  }
  if (!isAbsent(body.tool_choice)) req.toolChoice = decodeToolChoice(body.tool_choice, req.tools);
  if (!isAbsent(body.response_format)) req.responseFormat = decodeResponseFormat(body.response_format);

  // The body decides for this API; opts.stream is only a default for callers that set it elsewhere.
  req.stream = optBool(body.stream, 'stream') ?? opts.stream ?? false;
  if (!isAbsent(body.stream_options)) {
    const so = obj(body.stream_options, 'stream_options');
    const includeUsage = optBool(so.include_usage, 'stream_options.include_usage');
    if (includeUsage !== undefined && req.stream) req.includeUsage = includeUsage;
  }
  const user = optStr(body.user, 'user');
  if (user !== undefined) req.user = user;
  return req;
}

function decodeTools(v: unknown): ToolDef[] {
  return arr(v, 'tools').map((raw, i) => {
    const path = at('tools', i);
    const t = obj(raw, path);
    oneOf(t.type, at(path, 'type'), ['function'] as const);
    const fpath = at(path, 'function');
    const fn = obj(t.function, fpath);
    const def: ToolDef = {
      name: toolName(fn.name, at(fpath, 'name')),
      // OpenAI treats a missing schema as "no arguments"; providers that need one get it explicit.
      parameters: isAbsent(fn.parameters)
        ? { type: 'object', properties: {} }
        : jsonObject(fn.parameters, at(fpath, 'parameters')),
    };
    const description = optStr(fn.description, at(fpath, 'description'));
    if (description !== undefined) def.description = description;
    return def;
  });
}

function decodeToolChoice(v: unknown, tools: ToolDef[] | undefined): ToolChoice {
  if (typeof v === 'string') return oneOf(v, 'tool_choice', ['auto', 'none', 'required'] as const);
  if (!isObj(v)) return invalidType('tool_choice', "a string or an object", v);
  oneOf(v.type, 'tool_choice.type', ['function'] as const);
  const name = str(obj(v.function, 'tool_choice.function').name, 'tool_choice.function.name');
  if (!tools?.some((t) => t.name === name)) {
    invalidValue('tool_choice.function.name', `no tool named ${quote(name)} in 'tools'.`);
  }
  return { name };
}

function decodeResponseFormat(v: unknown): ResponseFormat {
  const rf = obj(v, 'response_format');
  const type = oneOf(rf.type, 'response_format.type', ['text', 'json_object', 'json_schema'] as const);
  if (type !== 'json_schema') return { type };
  const js = obj(rf.json_schema, 'response_format.json_schema');
  const out: ResponseFormat = {
    type: 'json_schema',
    name: str(js.name, 'response_format.json_schema.name'),
    schema: isAbsent(js.schema) ? {} : jsonObject(js.schema, 'response_format.json_schema.schema'),
  };
  const strict = optBool(js.strict, 'response_format.json_schema.strict');
  if (strict !== undefined) out.strict = strict;
  return out;
}

/** Shared with the embeddings decoder. */
export function decodeModel(body: Record<string, unknown>): string {
  const model = str(body.model, 'model');
  if (model === '') invalidValue('model', 'must not be empty.');
  return model;
}
