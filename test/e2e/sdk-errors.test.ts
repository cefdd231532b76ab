/**
 * Upstream errors reach each official SDK as that SDK's own error class. A separate gateway:
 * a 429 puts the deployment in cooldown (Retry-After), which must not disturb other tests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { startHarness } from './harness.js';

for (const model of ['m-openai', 'm-bedrock']) {
  test(`upstream 400 and 429 -> OpenAI, Anthropic and AWS SDK error classes (${model})`, async () => {
    const h = await startHarness();
    try {
      const oa = new OpenAI({ baseURL: `${h.gw.url}/v1`, apiKey: h.key, maxRetries: 0 });
      const an = new Anthropic({ baseURL: h.gw.url, apiKey: h.key, maxRetries: 0 });
      const br = new BedrockRuntimeClient({ region: 'us-east-1', endpoint: h.gw.url, maxAttempts: 1, token: { token: h.key }, authSchemePreference: ['httpBearerAuth'] });
      await assert.rejects(oa.chat.completions.create({ model, messages: [{ role: 'user', content: 'Trigger 400.' }] }),
        (e: unknown) => e instanceof OpenAI.BadRequestError);
      await assert.rejects(an.messages.create({ model, max_tokens: 16, messages: [{ role: 'user', content: 'Trigger 400.' }] }),
        (e: unknown) => e instanceof Anthropic.BadRequestError);
      await assert.rejects(br.send(new ConverseCommand({ modelId: model, messages: [{ role: 'user', content: [{ text: 'Trigger 400.' }] }] })),
        (e: unknown) => (e as { name?: string }).name === 'ValidationException');
      await assert.rejects(oa.chat.completions.create({ model, messages: [{ role: 'user', content: 'Trigger 429.' }] }),
        (e: unknown) => e instanceof OpenAI.RateLimitError || (e instanceof OpenAI.APIError && e.status === 503));
      await assert.rejects(an.messages.create({ model, max_tokens: 16, messages: [{ role: 'user', content: 'Trigger 429.' }] }),
        (e: unknown) => e instanceof Anthropic.RateLimitError || (e instanceof Anthropic.APIError && e.status === 503));
      await assert.rejects(br.send(new ConverseCommand({ modelId: model, messages: [{ role: 'user', content: [{ text: 'Trigger 429.' }] }] })),
        (e: unknown) => ['ThrottlingException', 'ServiceUnavailableException'].includes((e as { name?: string }).name ?? ''));
    } finally {
      await h.close();
    }
  });
}
