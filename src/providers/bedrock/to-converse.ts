/** IR chat request -> Converse request body. Pure, so a retry re-encodes the same body. */
import { badRequest } from '../../errors.js';
import type { ChatRequest, JsonValue, Message, Part, ToolChoice } from '../../translate/ir.js';
import { imageFormatOf, type ConverseContentBlock, type ConverseMessage, type ConverseRequestBody, type ConverseToolChoice } from './wire.js';

export function toConverseRequest(req: ChatRequest): ConverseRequestBody {
  const body: ConverseRequestBody = { messages: toMessages(req.messages) };
  if (req.system.length > 0) body.system = req.system.map((text) => ({ text }));

  const inference: NonNullable<ConverseRequestBody['inferenceConfig']> = {};
  if (req.maxTokens !== undefined) inference.maxTokens = req.maxTokens;
  if (req.temperature !== undefined) inference.temperature = req.temperature;
  if (req.topP !== undefined) inference.topP = req.topP;
  if (req.stop && req.stop.length > 0) inference.stopSequences = req.stop;
  if (Object.keys(inference).length > 0) body.inferenceConfig = inference;

  const toolConfig = toToolConfig(req, body.messages);
  if (toolConfig) body.toolConfig = toolConfig;

  // Converse has structured output only as a JSON schema; `json_object` has no equivalent and is
  // left to the prompt, as Bedrock users do.
  if (req.responseFormat?.type === 'json_schema') {
    body.outputConfig = {
      textFormat: {
        type: 'json_schema',
        structure: { jsonSchema: { schema: JSON.stringify(req.responseFormat.schema), name: req.responseFormat.name } },
      },
    };
  }
  return body;
}

/**
 * Converse knows only user and assistant turns and rejects two turns of the same role in a row:
 * IR `tool` messages become user turns and adjacent same-role turns are merged.
 */
function toMessages(messages: Message[]): ConverseMessage[] {
  const out: ConverseMessage[] = [];
  messages.forEach((m, i) => {
    const role = m.role === 'assistant' ? 'assistant' : 'user';
    const content = m.content.map((p, j) => toBlock(p, `messages[${i}].content[${j}]`));
    const last = out[out.length - 1];
    if (last && last.role === role) last.content.push(...content);
    else out.push({ role, content });
  });
  return out;
}

function toBlock(p: Part, path: string): ConverseContentBlock {
  switch (p.type) {
    case 'text':
      return { text: p.text };
    case 'image': {
      const format = imageFormatOf(p.mediaType);
      if (!format) throw badRequest(`Bedrock does not accept images of type ${p.mediaType}.`, path);
      return { image: { format, source: { bytes: p.data } } };
    }
    case 'tool_call':
      return { toolUse: { toolUseId: p.id, name: p.name, input: parseArguments(p.arguments, path) } };
    case 'tool_result':
      return {
        toolResult: {
          toolUseId: p.toolCallId,
          content: [{ text: p.content }],
          ...(p.isError ? { status: 'error' as const } : {}),
        },
      };
  }
}

/** Converse carries tool input as a JSON document, not text; an empty string means no arguments. */
function parseArguments(args: string, path: string): JsonValue {
  if (args.trim() === '') return {};
  try {
    return JSON.parse(args) as JsonValue;
  } catch {
    throw badRequest('Tool call arguments must be valid JSON.', `${path}.arguments`);
  }
}

function toToolConfig(req: ChatRequest, messages: ConverseMessage[]): ConverseRequestBody['toolConfig'] {
  const tools = req.tools ?? [];
  if (tools.length === 0) return undefined;
  const specs = tools.map((t) => ({
    toolSpec: {
      name: t.name,
      ...(t.description !== undefined ? { description: t.description } : {}),
      inputSchema: { json: t.parameters },
    },
  }));
  if (req.toolChoice === 'none') {
    // Converse has no "none". Omit the tools unless the history holds tool blocks, which Bedrock
    // only accepts alongside a toolConfig; then send them without a choice (the model's default).
    const hasToolBlocks = messages.some((m) => m.content.some((b) => b.toolUse || b.toolResult));
    return hasToolBlocks ? { tools: specs } : undefined;
  }
  const choice = toToolChoice(req.toolChoice);
  return choice ? { tools: specs, toolChoice: choice } : { tools: specs };
}

function toToolChoice(c: ToolChoice | undefined): ConverseToolChoice | undefined {
  if (c === undefined) return undefined;
  if (c === 'auto') return { auto: {} };
  if (c === 'required') return { any: {} };
  if (c === 'none') return undefined;
  return { tool: { name: c.name } };
}
