/**
 * The official OpenAI, Anthropic and AWS SDKs against a running gateway, changed only in their
 * endpoint, each routed once to an OpenAI-format and once to a Bedrock-format upstream (cassettes).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { BedrockRuntimeClient, ConverseCommand, ConverseStreamCommand, type ConverseStreamOutput } from '@aws-sdk/client-bedrock-runtime';
import { startHarness, type Harness } from './harness.js';

let h: Harness;
before(async () => { h = await startHarness(); });
after(async () => { await h?.close(); });

const MODELS = ['m-openai', 'm-bedrock'] as const;

function openai(): OpenAI {
  return new OpenAI({ baseURL: `${h.gw.url}/v1`, apiKey: h.key, maxRetries: 0 });
}
function anthropic(): Anthropic {
  return new Anthropic({ baseURL: h.gw.url, apiKey: h.key, maxRetries: 0 });
}
function bedrock(): BedrockRuntimeClient {
  // The SDK's defaults: HTTP/2 (cleartext, prior knowledge) to an http:// endpoint.
  return new BedrockRuntimeClient({
    region: 'us-east-1', endpoint: h.gw.url, maxAttempts: 1,
    token: { token: h.key }, authSchemePreference: ['httpBearerAuth'],
  });
}

describe('OpenAI SDK', () => {
  for (const model of MODELS) {
    test(`chat, non-streaming -> ${model}`, async () => {
      const r = await openai().chat.completions.create({ model, messages: [{ role: 'user', content: 'Say hello.' }] });
      assert.equal(r.choices[0].message.content, 'Hello! How can I help?');
      assert.equal(r.choices[0].finish_reason, 'stop');
      assert.equal(r.model, model);
      assert.ok(r.usage && r.usage.prompt_tokens > 0 && r.usage.completion_tokens > 0);
    });

    test(`chat, streaming with include_usage -> ${model}`, async () => {
      const stream = await openai().chat.completions.create({
        model, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Count to three.' }],
      });
      let text = '';
      let finish: string | null = null;
      let usage: OpenAI.CompletionUsage | undefined | null;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta?.content ?? '';
        finish = chunk.choices[0]?.finish_reason ?? finish;
        if (chunk.usage) usage = chunk.usage;
      }
      assert.ok(text.length > 0);
      assert.equal(finish, 'stop');
      assert.ok(usage && usage.completion_tokens > 0);
    });

    test(`tool calls -> ${model}`, async () => {
      const r = await openai().chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
        tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
      });
      const call = r.choices[0].message.tool_calls?.[0];
      assert.equal(r.choices[0].finish_reason, 'tool_calls');
      assert.ok(call && call.type === 'function');
      assert.equal(call.function.name, 'get_weather');
      assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris' });
    });
  }

  test('embeddings', async () => {
    const r = await openai().embeddings.create({ model: 'm-embed', input: ['hello world', 'good night'] });
    assert.equal(r.data.length, 2);
    assert.ok(r.data[0].embedding.length > 0);
  });

  test('models list', async () => {
    const r = await openai().models.list();
    const ids = r.data.map((m) => m.id).sort();
    assert.deepEqual(ids, ['m-bedrock', 'm-embed', 'm-openai']);
  });

  test('a wrong key is an AuthenticationError', async () => {
    const bad = new OpenAI({ baseURL: `${h.gw.url}/v1`, apiKey: 'rk_wrong', maxRetries: 0 });
    await assert.rejects(bad.chat.completions.create({ model: 'm-openai', messages: [{ role: 'user', content: 'x' }] }),
      (err: unknown) => err instanceof OpenAI.AuthenticationError);
  });

  test('an unknown model is a NotFoundError', async () => {
    await assert.rejects(openai().chat.completions.create({ model: 'gpt-4*', messages: [{ role: 'user', content: 'x' }] }),
      (err: unknown) => err instanceof OpenAI.NotFoundError);
  });
});

describe('Anthropic SDK', () => {
  for (const model of MODELS) {
    test(`messages, non-streaming -> ${model}`, async () => {
      const r = await anthropic().messages.create({ model, max_tokens: 256, messages: [{ role: 'user', content: 'Say hello.' }] });
      const first = r.content[0];
      assert.equal(first.type, 'text');
      assert.equal(first.type === 'text' && first.text, 'Hello! How can I help?');
      assert.equal(r.stop_reason, 'end_turn');
      assert.ok(r.usage.output_tokens > 0);
    });

    test(`messages, streaming -> ${model}`, async () => {
      const stream = anthropic().messages.stream({ model, max_tokens: 256, messages: [{ role: 'user', content: 'Count to three.' }] });
      let text = '';
      stream.on('text', (t) => { text += t; });
      const final = await stream.finalMessage();
      assert.ok(text.length > 0);
      assert.equal(final.stop_reason, 'end_turn');
      assert.ok(final.usage.output_tokens > 0);
    });

    test(`tool use -> ${model}`, async () => {
      const r = await anthropic().messages.create({
        model, max_tokens: 256,
        messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
        tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
      });
      const block = r.content.find((b) => b.type === 'tool_use');
      assert.equal(r.stop_reason, 'tool_use');
      assert.ok(block && block.type === 'tool_use');
      assert.equal(block.name, 'get_weather');
      assert.deepEqual(block.input, { city: 'Paris' });
    });
  }

  test('models list in Anthropic format', async () => {
    const r = await anthropic().models.list();
    assert.ok(r.data.some((m) => m.id === 'm-openai'));
  });

  test('an invalid request is a BadRequestError', async () => {
    await assert.rejects(
      anthropic().messages.create({ model: 'm-openai', max_tokens: -1, messages: [{ role: 'user', content: 'x' }] }),
      (err: unknown) => err instanceof Anthropic.BadRequestError,
    );
  });
});

describe('AWS SDK (Bedrock Runtime, HTTP/2, Bedrock API key)', () => {
  for (const model of MODELS) {
    test(`Converse -> ${model}`, async () => {
      const r = await bedrock().send(new ConverseCommand({ modelId: model, messages: [{ role: 'user', content: [{ text: 'Say hello.' }] }] }));
      assert.equal(r.output?.message?.content?.[0].text, 'Hello! How can I help?');
      assert.equal(r.stopReason, 'end_turn');
      assert.ok((r.usage?.outputTokens ?? 0) > 0);
    });

    test(`ConverseStream -> ${model}`, async () => {
      const r = await bedrock().send(new ConverseStreamCommand({ modelId: model, messages: [{ role: 'user', content: [{ text: 'Count to three.' }] }] }));
      let text = '';
      let stop: string | undefined;
      let usage: number | undefined;
      for await (const ev of r.stream as AsyncIterable<ConverseStreamOutput>) {
        if (ev.contentBlockDelta?.delta?.text) text += ev.contentBlockDelta.delta.text;
        if (ev.messageStop) stop = ev.messageStop.stopReason;
        if (ev.metadata) usage = ev.metadata.usage?.outputTokens;
      }
      assert.ok(text.length > 0);
      assert.equal(stop, 'end_turn');
      assert.ok((usage ?? 0) > 0);
    });

    test(`tool use -> ${model}`, async () => {
      const r = await bedrock().send(new ConverseCommand({
        modelId: model,
        messages: [{ role: 'user', content: [{ text: 'What is the weather in Paris?' }] }],
        toolConfig: { tools: [{ toolSpec: { name: 'get_weather', inputSchema: { json: { type: 'object', properties: { city: { type: 'string' } } } } } }] },
      }));
      const tu = r.output?.message?.content?.find((c) => c.toolUse)?.toolUse;
      assert.equal(r.stopReason, 'tool_use');
      assert.equal(tu?.name, 'get_weather');
      assert.deepEqual(tu?.input, { city: 'Paris' });
    });
  }

  test('an unknown model is ResourceNotFoundException', async () => {
    await assert.rejects(
      bedrock().send(new ConverseCommand({ modelId: 'no-such-model', messages: [{ role: 'user', content: [{ text: 'x' }] }] })),
      (err: unknown) => (err as { name?: string }).name === 'ResourceNotFoundException',
    );
  });

  test('a wrong key is refused in Bedrock format', async () => {
    const c = new BedrockRuntimeClient({ region: 'us-east-1', endpoint: h.gw.url, maxAttempts: 1, token: { token: 'rk_nope' }, authSchemePreference: ['httpBearerAuth'] });
    await assert.rejects(
      c.send(new ConverseCommand({ modelId: 'm-openai', messages: [{ role: 'user', content: [{ text: 'x' }] }] })),
      (err: unknown) => ['UnrecognizedClientException', 'AccessDeniedException'].includes((err as { name?: string }).name ?? ''),
    );
  });
});
