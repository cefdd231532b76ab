import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RampartError } from '../../../errors.js';
import { anthropicFace } from './index.js';

const user = (content: unknown) => ({ role: 'user', content });
const msg = (over: Record<string, unknown>) => ({ model: 'c', max_tokens: 10, messages: [user('hi')], ...over });
const img = { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQ' };

function badParam(body: unknown): RampartError {
  try {
    anthropicFace.decodeChat(body, {});
  } catch (err) {
    assert.ok(err instanceof RampartError, String(err));
    assert.equal(err.status, 400);
    return err;
  }
  assert.fail(`accepted ${JSON.stringify(body)}`);
}

describe('anthropic decodeChat: bad requests name the field', () => {
  const cases: Array<[string, unknown, string | undefined]> = [
    ['body not an object', 'hi', undefined],
    ['missing model', { max_tokens: 1, messages: [user('x')] }, 'model'],
    ['missing max_tokens', { model: 'c', messages: [user('x')] }, 'max_tokens'],
    ['max_tokens as string', msg({ max_tokens: '10' }), 'max_tokens'],
    ['missing messages', { model: 'c', max_tokens: 1 }, 'messages'],
    ['empty messages', msg({ messages: [] }), 'messages'],
    ['system role in messages', msg({ messages: [{ role: 'system', content: 'x' }] }), 'messages[0].role'],
    ['system wrong type', msg({ system: 5 }), 'system'],
    ['system block not text', msg({ system: [{ type: 'image', source: img }] }), 'system[0].type'],
    ['content wrong type', msg({ messages: [user(7)] }), 'messages[0].content'],
    ['empty content array', msg({ messages: [user([])] }), 'messages[0].content'],
    ['url image', msg({ messages: [user([{ type: 'image', source: { type: 'url', url: 'https://x/y.png' } }])] }), 'messages[0].content[0].source.type'],
    ['image bad media type', msg({ messages: [user([{ type: 'image', source: { ...img, media_type: 'image/bmp' } }])] }), 'messages[0].content[0].source.data'],
    ['image missing data', msg({ messages: [user([{ type: 'image', source: { type: 'base64', media_type: 'image/png' } }])] }), 'messages[0].content[0].source.data'],
    ['document block', msg({ messages: [user([{ type: 'document', source: {} }])] }), 'messages[0].content[0].type'],
    ['tool_use in user turn', msg({ messages: [user([{ type: 'tool_use', id: 'a', name: 'b', input: {} }])] }), 'messages[0].content[0].type'],
    ['tool_result in assistant turn', msg({ messages: [user('x'), { role: 'assistant', content: [{ type: 'tool_result', tool_use_id: 'a' }] }] }), 'messages[1].content[0].type'],
    ['tool_use input not object', msg({ messages: [user('x'), { role: 'assistant', content: [{ type: 'tool_use', id: 'a', name: 'b', input: '{}' }] }] }), 'messages[1].content[0].input'],
    ['tool_result without id', msg({ messages: [user([{ type: 'tool_result', content: 'r' }])] }), 'messages[0].content[0].tool_use_id'],
    ['tool_result with image', msg({ messages: [user([{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'image', source: img }] }])] }), 'messages[0].content[0].content[0].type'],
    ['is_error not boolean', msg({ messages: [user([{ type: 'tool_result', tool_use_id: 't', is_error: 'yes' }])] }), 'messages[0].content[0].is_error'],
    ['thinking block', msg({ messages: [user('x'), { role: 'assistant', content: [{ type: 'thinking', thinking: '..' }] }] }), 'messages[1].content[0].type'],
    ['tool without schema', msg({ tools: [{ name: 't' }] }), 'tools[0].input_schema'],
    ['server tool', msg({ tools: [{ type: 'web_search_20250305', name: 'web_search' }] }), 'tools[0].type'],
    ['tool bad name', msg({ tools: [{ name: 'a.b', input_schema: {} }] }), 'tools[0].name'],
    ['tool_choice string', msg({ tool_choice: 'auto' }), 'tool_choice'],
    ['tool_choice unknown type', msg({ tool_choice: { type: 'some' } }), 'tool_choice.type'],
    ['tool_choice unknown tool', msg({ tools: [{ name: 't', input_schema: {} }], tool_choice: { type: 'tool', name: 'u' } }), 'tool_choice.name'],
    ['stop_sequences item', msg({ stop_sequences: ['a', 2] }), 'stop_sequences[1]'],
    ['temperature above 1', msg({ temperature: 1.5 }), 'temperature'],
    ['metadata.user_id number', msg({ metadata: { user_id: 5 } }), 'metadata.user_id'],
    ['stream not boolean', msg({ stream: 1 }), 'stream'],
  ];
  for (const [name, body, param] of cases) {
    it(name, () => {
      const err = badParam(body);
      assert.equal(err.param, param);
      // Anthropic errors have no `param`, so the message must carry the path.
      if (param) assert.ok(err.message.includes(`'${param}'`), err.message);
    });
  }
});

describe('anthropic decodeChat: accepted shapes', () => {
  it('splits tool results out of a user turn, keeping order', () => {
    const req = anthropicFace.decodeChat(msg({
      system: 'S', temperature: 0.5, top_p: 0.8, top_k: 5, stream: true,
      tools: [{ name: 't', description: 'd', input_schema: { type: 'object' } }], tool_choice: { type: 'tool', name: 't' },
      messages: [
        user([{ type: 'text', text: 'see' }, { type: 'image', source: img }]),
        { role: 'assistant', content: [{ type: 'tool_use', id: 'tu1', name: 't', input: { a: 1 } }, { type: 'tool_use', id: 'tu2', name: 't', input: {} }] },
        user([
          { type: 'tool_result', tool_use_id: 'tu1', content: 'one', is_error: true },
          { type: 'tool_result', tool_use_id: 'tu2' },
          { type: 'text', text: 'next' },
        ]),
      ],
    }), {});
    assert.deepEqual(req, {
      model: 'c', system: ['S'], maxTokens: 10, stream: true, temperature: 0.5, topP: 0.8,
      tools: [{ name: 't', description: 'd', parameters: { type: 'object' } }], toolChoice: { name: 't' },
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'see' }, { type: 'image', mediaType: 'image/jpeg', data: '/9j/4AAQ' }] },
        { role: 'assistant', content: [{ type: 'tool_call', id: 'tu1', name: 't', arguments: '{"a":1}' }, { type: 'tool_call', id: 'tu2', name: 't', arguments: '{}' }] },
        { role: 'tool', content: [{ type: 'tool_result', toolCallId: 'tu1', content: 'one', isError: true }, { type: 'tool_result', toolCallId: 'tu2', content: '' }] },
        { role: 'user', content: [{ type: 'text', text: 'next' }] },
      ],
    });
  });

  it('maps tool_choice types', () => {
    assert.equal(anthropicFace.decodeChat(msg({ tool_choice: { type: 'auto' } }), {}).toolChoice, 'auto');
    assert.equal(anthropicFace.decodeChat(msg({ tool_choice: { type: 'none' } }), {}).toolChoice, 'none');
    assert.equal(anthropicFace.decodeChat(msg({ tool_choice: { type: 'any', disable_parallel_tool_use: true } }), {}).toolChoice, 'required');
  });
});
