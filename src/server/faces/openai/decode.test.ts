import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RampartError } from '../../../errors.js';
import { openaiFace } from './index.js';

const png = 'data:image/png;base64,iVBORw0KGgo=';
const user = (content: unknown) => ({ role: 'user', content });
const chat = (over: Record<string, unknown>) => ({ model: 'm', messages: [user('hi')], ...over });

function badParam(body: unknown, decode: (b: unknown) => unknown = (b) => openaiFace.decodeChat(b, {})): RampartError {
  try {
    decode(body);
  } catch (err) {
    assert.ok(err instanceof RampartError, String(err));
    assert.equal(err.status, 400);
    assert.equal(err.code, 'bad_request');
    return err;
  }
  assert.fail(`accepted ${JSON.stringify(body)}`);
}

describe('openai decodeChat: bad requests name the field', () => {
  const cases: Array<[string, unknown, string | undefined]> = [
    ['body not an object', [1, 2], undefined],
    ['missing model', { messages: [user('hi')] }, 'model'],
    ['model not a string', chat({ model: 4 }), 'model'],
    ['missing messages', { model: 'm' }, 'messages'],
    ['empty messages', chat({ messages: [] }), 'messages'],
    ['messages not an array', chat({ messages: 'hi' }), 'messages'],
    ['message not an object', chat({ messages: [user('a'), 'b'] }), 'messages[1]'],
    ['bad role', chat({ messages: [{ role: 'wizard', content: 'x' }] }), 'messages[0].role'],
    ['legacy function role', chat({ messages: [{ role: 'function', name: 'f', content: 'x' }] }), 'messages[0].role'],
    ['content wrong type', chat({ messages: [user('a'), user(5)] }), 'messages[1].content'],
    ['remote image URL', chat({ messages: [user([{ type: 'text', text: 'see' }, { type: 'image_url', image_url: { url: 'http://10.0.0.1/x.png' } }])] }), 'messages[0].content[1].image_url.url'],
    ['image as bare string URL', chat({ messages: [user([{ type: 'image_url', image_url: 'https://x/y.png' }])] }), 'messages[0].content[0].image_url'],
    ['non-base64 data URL', chat({ messages: [user([{ type: 'image_url', image_url: { url: 'data:image/png,abc' } }])] }), 'messages[0].content[0].image_url.url'],
    ['unsupported image type', chat({ messages: [user([{ type: 'image_url', image_url: { url: 'data:image/tiff;base64,AAAA' } }])] }), 'messages[0].content[0].image_url.url'],
    ['image_url missing', chat({ messages: [user([{ type: 'image_url' }])] }), 'messages[0].content[0].image_url'],
    ['audio part', chat({ messages: [user([{ type: 'input_audio', input_audio: {} }])] }), 'messages[0].content[0].type'],
    ['system with image', chat({ messages: [{ role: 'system', content: [{ type: 'image_url', image_url: { url: png } }] }, user('x')] }), 'messages[0].content[0].type'],
    ['tool without id', chat({ messages: [{ role: 'tool', content: 'r' }] }), 'messages[0].tool_call_id'],
    ['empty assistant', chat({ messages: [user('a'), { role: 'assistant', content: null }] }), 'messages[1].content'],
    ['tool call arguments not string', chat({ messages: [{ role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: {} } }] }] }), 'messages[0].tool_calls[0].function.arguments'],
    ['n=2', chat({ n: 2 }), 'n'],
    ['temperature as string', chat({ temperature: '0.5' }), 'temperature'],
    ['temperature too high', chat({ temperature: 3 }), 'temperature'],
    ['max_tokens not integer', chat({ max_tokens: 1.5 }), 'max_tokens'],
    ['max_completion_tokens zero', chat({ max_completion_tokens: 0 }), 'max_completion_tokens'],
    ['stop wrong type', chat({ stop: 5 }), 'stop'],
    ['stop array item', chat({ stop: ['a', 1] }), 'stop[1]'],
    ['stream not boolean', chat({ stream: 'yes' }), 'stream'],
    ['tool wrong type', chat({ tools: [{ type: 'retrieval' }] }), 'tools[0].type'],
    ['tool bad name', chat({ tools: [{ type: 'function', function: { name: 'has space' } }] }), 'tools[0].function.name'],
    ['tool parameters not object', chat({ tools: [{ type: 'function', function: { name: 'f', parameters: [] } }] }), 'tools[0].function.parameters'],
    ['tool_choice unknown string', chat({ tool_choice: 'always' }), 'tool_choice'],
    ['tool_choice unknown tool', chat({ tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: { type: 'function', function: { name: 'g' } } }), 'tool_choice.function.name'],
    ['response_format unknown', chat({ response_format: { type: 'yaml' } }), 'response_format.type'],
    ['json_schema without name', chat({ response_format: { type: 'json_schema', json_schema: { schema: {} } } }), 'response_format.json_schema.name'],
    ['include_usage not boolean', chat({ stream: true, stream_options: { include_usage: 1 } }), 'stream_options.include_usage'],
    ['user not string', chat({ user: 42 }), 'user'],
  ];
  for (const [name, body, param] of cases) {
    it(name, () => assert.equal(badParam(body).param, param));
  }

  it('explains the type it expected', () => {
    assert.equal(badParam(chat({ temperature: '0.5' })).message,
      "Invalid type for 'temperature': expected a number, but got a string instead.");
    assert.match(badParam(chat({ messages: [{ role: 'function', content: 'x' }] })).message, /use 'tool'/);
    const long = badParam(chat({ messages: [{ role: 'x'.repeat(100_000), content: 'x' }] })).message;
    assert.ok(long.length < 300, 'caller values are cut short in messages');
  });
});

describe('openai decodeChat: accepted shapes', () => {
  it('decodes a full request and ignores unknown fields', () => {
    const req = openaiFace.decodeChat({
      model: 'gpt', seed: 1, logprobs: false, parallel_tool_calls: true, frequency_penalty: null,
      messages: [
        { role: 'system', content: 'S1' },
        { role: 'developer', content: [{ type: 'text', text: 'S' }, { type: 'text', text: '2' }] },
        user([{ type: 'text', text: 'look' }, { type: 'image_url', image_url: { url: png, detail: 'low' } }]),
      ],
      max_tokens: 10, max_completion_tokens: 20, top_p: 0.9, stop: ['x', 'y'], n: 1,
      tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: 'required',
      response_format: { type: 'json_schema', json_schema: { name: 'out', schema: { type: 'object' }, strict: true } },
      stream: true, stream_options: { include_usage: true }, user: 'u',
    }, {});
    assert.deepEqual(req, {
      model: 'gpt', system: ['S1', 'S2'],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image', mediaType: 'image/png', data: 'iVBORw0KGgo=' }] }],
      maxTokens: 20, topP: 0.9, stop: ['x', 'y'],
      tools: [{ name: 'f', parameters: { type: 'object', properties: {} } }], toolChoice: 'required',
      responseFormat: { type: 'json_schema', name: 'out', schema: { type: 'object' }, strict: true },
      stream: true, includeUsage: true, user: 'u',
    });
  });

  it('treats null options as absent', () => {
    const req = openaiFace.decodeChat(chat({ temperature: null, stop: null, n: null, tools: null, user: null }), {});
    assert.deepEqual(req, { model: 'm', system: [], messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], stream: false });
  });
});

describe('openai decodeEmbedding', () => {
  const emb = (b: unknown) => openaiFace.decodeEmbedding(b);
  it('refuses token-id arrays with a clear message', () => {
    const err = badParam({ model: 'e', input: [1, 2, 3] }, emb);
    assert.equal(err.param, 'input');
    assert.match(err.message, /token-id arrays are not supported/);
    assert.equal(badParam({ model: 'e', input: [[1, 2]] }, emb).param, 'input');
  });
  it('names bad fields', () => {
    assert.equal(badParam({ input: 'x' }, emb).param, 'model');
    assert.equal(badParam({ model: 'e' }, emb).param, 'input');
    assert.equal(badParam({ model: 'e', input: [] }, emb).param, 'input');
    assert.equal(badParam({ model: 'e', input: ['a', {}] }, emb).param, 'input[1]');
    assert.equal(badParam({ model: 'e', input: 'a', encoding_format: 'int8' }, emb).param, 'encoding_format');
    assert.equal(badParam({ model: 'e', input: 'a', dimensions: -1 }, emb).param, 'dimensions');
  });
  it('decodes a string input', () => {
    assert.deepEqual(emb({ model: 'e', input: 'a', user: 'u', encoding_format: 'float' }), { model: 'e', input: ['a'], user: 'u', encodingFormat: 'float' });
  });
});
