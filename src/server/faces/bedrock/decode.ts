/**
 * Bedrock Converse / ConverseStream request -> IR. Validation errors name the exact field path
 * (`messages[0].content[1].toolResult`), which the Bedrock face returns as a ValidationException.
 */
import type { ChatRequest, Message, Part, ResponseFormat, ToolChoice, ToolDef } from '../../../translate/ir.js';
import { mediaTypeOf } from '../../../providers/bedrock/wire.js';
import {
  arr,
  at,
  checkImage,
  invalidValue,
  isAbsent,
  isObj,
  jsonObject,
  obj,
  oneOf,
  optNum,
  optStr,
  str,
  strArray,
  toolName,
  type Obj,
} from '../json.js';

/*
 * guardrailConfig names a guardrail of the gateway's own (added to the operator's, never replacing
 * them); it is not forwarded upstream. Fields Rampart accepts but does not forward:
 * additionalModelRequestFields and other passthroughs (they would bypass the IR
 * that guardrails and limits inspect), requestMetadata, performanceConfig, serviceTier. Unknown
 * top-level fields are ignored as on the other faces (SDKs add fields over time).
 */

export function decodeBedrockChat(body: unknown, opts: { modelFromPath?: string; stream?: boolean }): ChatRequest {
  const model = str(opts.modelFromPath, 'modelId');
  if (model.length === 0) invalidValue('modelId', 'must not be empty.');
  const b = obj(body, 'body');

  const system = decodeSystem(b.system);
  const req: ChatRequest = {
    model,
    system: system.system,
    messages: decodeMessages(b.messages),
    stream: opts.stream ?? false,
  };
  if (system.guarded.length > 0) req.guardedSystem = system.guarded;
  if (!isAbsent(b.inferenceConfig)) {
    const ic = obj(b.inferenceConfig, 'inferenceConfig');
    req.maxTokens = optNum(ic.maxTokens, 'inferenceConfig.maxTokens', { integer: true, min: 1 });
    req.temperature = optNum(ic.temperature, 'inferenceConfig.temperature', { min: 0, max: 1 });
    req.topP = optNum(ic.topP, 'inferenceConfig.topP', { min: 0, max: 1 });
    if (!isAbsent(ic.stopSequences)) req.stop = strArray(ic.stopSequences, 'inferenceConfig.stopSequences');
  }
  if (!isAbsent(b.toolConfig)) {
    const { tools, toolChoice } = decodeToolConfig(b.toolConfig);
    req.tools = tools;
    if (toolChoice) req.toolChoice = toolChoice;
  }
  const rf = decodeOutputConfig(b.outputConfig);
  if (rf) req.responseFormat = rf;
  if (!isAbsent(b.guardrailConfig)) {
    const g = obj(b.guardrailConfig, 'guardrailConfig');
    const id = str(g.guardrailIdentifier, 'guardrailConfig.guardrailIdentifier');
    const version = isAbsent(g.guardrailVersion) ? undefined : str(g.guardrailVersion, 'guardrailConfig.guardrailVersion');
    const trace = isAbsent(g.trace) ? undefined : str(g.trace, 'guardrailConfig.trace');
    req.guardrail = { id, version, trace: trace === 'enabled' || trace === 'enabled_full' };
  }
  stripUndefined(req);
  return req;
}

/** A union on the wire: exactly one member is set. Returns that member's name. */
function unionMember(v: Obj, path: string): string {
  const set = Object.keys(v).filter((k) => !isAbsent(v[k]));
  if (set.length !== 1) invalidValue(path, `exactly one member must be set, got ${set.length === 0 ? 'none' : set.join(', ')}.`);
  return set[0]!;
}

/** The system prompts, and which of them were guardContent blocks. */
function decodeSystem(v: unknown): { system: string[]; guarded: number[] } {
  const out: string[] = [];
  const guarded: number[] = [];
  if (isAbsent(v)) return { system: out, guarded };
  arr(v, 'system').forEach((item, i) => {
    const path = at('system', i);
    const block = obj(item, path);
    const member = unionMember(block, path);
    if (member === 'text') out.push(str(block.text, at(path, 'text')));
    else if (member === 'guardContent') {
      guarded.push(out.length);
      out.push(guardText(block.guardContent, at(path, 'guardContent')));
    } else if (member !== 'cachePoint') invalidValue(at(path, member), 'this system block type is not supported.');
  });
  return { system: out, guarded };
}

function guardText(v: unknown, path: string): string {
  const g = obj(v, path);
  return str(obj(g.text, at(path, 'text')).text, at(at(path, 'text'), 'text'));
}

/**
 * Bedrock carries tool results inside user turns; the IR gives them their own `tool` role, so a
 * user turn is split into runs (as the Anthropic face does).
 */
function decodeMessages(v: unknown): Message[] {
  const out: Message[] = [];
  arr(v, 'messages', { nonEmpty: true }).forEach((item, i) => {
    const path = at('messages', i);
    const m = obj(item, path);
    const role = oneOf(m.role, at(path, 'role'), ['user', 'assistant'] as const);
    const cpath = at(path, 'content');
    let current: Message | undefined;
    arr(m.content, cpath, { nonEmpty: true }).forEach((b, j) => {
      const part = decodeBlock(b, at(cpath, j), role);
      if (!part) return;
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

/** Undefined for blocks that have no IR form and are safe to drop (cache points, past reasoning). */
function decodeBlock(v: unknown, path: string, role: 'user' | 'assistant'): Part | undefined {
  const b = obj(v, path);
  const member = unionMember(b, path);
  const mpath = at(path, member);
  const onlyIn = (r: 'user' | 'assistant') => {
    if (role !== r) invalidValue(mpath, `'${member}' blocks are only allowed in ${r} messages.`);
  };
  switch (member) {
    case 'text':
      return { type: 'text', text: str(b.text, mpath) };
    case 'guardContent':
      return { type: 'text', text: guardText(b.guardContent, mpath), guard: true };
    case 'image': {
      onlyIn('user');
      return decodeImage(b.image, mpath);
    }
    case 'toolUse': {
      onlyIn('assistant');
      const t = obj(b.toolUse, mpath);
      const input = t.input === undefined ? {} : t.input;
      return {
        type: 'tool_call',
        id: str(t.toolUseId, at(mpath, 'toolUseId')),
        name: toolName(t.name, at(mpath, 'name')),
        arguments: JSON.stringify(input),
      };
    }
    case 'toolResult': {
      onlyIn('user');
      const t = obj(b.toolResult, mpath);
      const status = isAbsent(t.status) ? undefined : oneOf(t.status, at(mpath, 'status'), ['success', 'error'] as const);
      return {
        type: 'tool_result',
        toolCallId: str(t.toolUseId, at(mpath, 'toolUseId')),
        content: toolResultText(t.content, at(mpath, 'content')),
        ...(status === 'error' ? { isError: true } : {}),
      };
    }
    case 'cachePoint':
      return undefined;
    case 'reasoningContent':
      onlyIn('assistant');
      return undefined;
    default:
      return invalidValue(mpath, `'${member}' content blocks are not supported.`);
  }
}

function decodeImage(v: unknown, path: string): Part {
  const img = obj(v, path);
  const format = oneOf(img.format, at(path, 'format'), ['png', 'jpeg', 'gif', 'webp'] as const);
  const source = obj(img.source, at(path, 'source'));
  if (!isAbsent(source.s3Location)) invalidValue(at(at(path, 'source'), 's3Location'), 'S3 image sources are not supported; send bytes.');
  const data = str(source.bytes, at(at(path, 'source'), 'bytes'));
  const mediaType = mediaTypeOf(format)!;
  checkImage(mediaType, data, at(at(path, 'source'), 'bytes'));
  return { type: 'image', mediaType, data };
}

/** The IR carries a tool result as text; JSON results are serialised, as a model sees them anyway. */
function toolResultText(v: unknown, path: string): string {
  const parts: string[] = [];
  arr(v, path).forEach((item, k) => {
    const ipath = at(path, k);
    const c = obj(item, ipath);
    const member = unionMember(c, ipath);
    if (member === 'text') parts.push(str(c.text, at(ipath, 'text')));
    else if (member === 'json') parts.push(JSON.stringify(c.json));
    else invalidValue(at(ipath, member), `'${member}' tool result content is not supported; use text or json.`);
  });
  return parts.join('\n');
}

function decodeToolConfig(v: unknown): { tools: ToolDef[]; toolChoice?: ToolChoice } {
  const tc = obj(v, 'toolConfig');
  const tools: ToolDef[] = [];
  arr(tc.tools, 'toolConfig.tools', { nonEmpty: true }).forEach((item, i) => {
    const path = at('toolConfig.tools', i);
    const t = obj(item, path);
    const member = unionMember(t, path);
    if (member === 'cachePoint') return;
    if (member !== 'toolSpec') invalidValue(at(path, member), 'only toolSpec tools are supported.');
    const spath = at(path, 'toolSpec');
    const spec = obj(t.toolSpec, spath);
    const schema = obj(spec.inputSchema, at(spath, 'inputSchema'));
    const description = optStr(spec.description, at(spath, 'description'));
    tools.push({
      name: toolName(spec.name, at(spath, 'name')),
      ...(description !== undefined ? { description } : {}),
      parameters: jsonObject(schema.json, at(at(spath, 'inputSchema'), 'json')),
    });
  });
  if (isAbsent(tc.toolChoice)) return { tools };
  const choice = obj(tc.toolChoice, 'toolConfig.toolChoice');
  const member = unionMember(choice, 'toolConfig.toolChoice');
  switch (member) {
    case 'auto':
      return { tools, toolChoice: 'auto' };
    case 'any':
      return { tools, toolChoice: 'required' };
    case 'tool': {
      const name = toolName(obj(choice.tool, 'toolConfig.toolChoice.tool').name, 'toolConfig.toolChoice.tool.name');
      if (!tools.some((t) => t.name === name)) invalidValue('toolConfig.toolChoice.tool.name', `no tool named '${name}' in toolConfig.tools.`);
      return { tools, toolChoice: { name } };
    }
    default:
      return invalidValue(at('toolConfig.toolChoice', member), 'expected auto, any or tool.');
  }
}

function decodeOutputConfig(v: unknown): ResponseFormat | undefined {
  if (isAbsent(v)) return undefined;
  const oc = obj(v, 'outputConfig');
  if (isAbsent(oc.textFormat)) return undefined;
  const tf = obj(oc.textFormat, 'outputConfig.textFormat');
  oneOf(tf.type, 'outputConfig.textFormat.type', ['json_schema'] as const);
  const js = obj(obj(tf.structure, 'outputConfig.textFormat.structure').jsonSchema, 'outputConfig.textFormat.structure.jsonSchema');
  const spath = 'outputConfig.textFormat.structure.jsonSchema.schema';
  let schema: unknown;
  try {
    schema = JSON.parse(str(js.schema, spath));
  } catch {
    return invalidValue(spath, 'must be a JSON document.');
  }
  if (!isObj(schema)) return invalidValue(spath, 'must be a JSON object.');
  return {
    type: 'json_schema',
    name: optStr(js.name, 'outputConfig.textFormat.structure.jsonSchema.name') ?? 'response',
    schema: jsonObject(schema, spath),
  };
}

function stripUndefined(req: ChatRequest): void {
  const r = req as unknown as Record<string, unknown>;
  for (const k of Object.keys(r)) if (r[k] === undefined) delete r[k];
}
