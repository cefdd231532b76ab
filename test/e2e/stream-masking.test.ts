/**
 * Output masking across stream chunk boundaries, end to end, in each client format: the upstream
 * streams an answer one character per event (so an email address is split at every possible
 * byte), the output guardrail in sync mode masks it, and each official SDK reads the masked text.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { BedrockRuntimeClient, ConverseStreamCommand, type ConverseStreamOutput } from '@aws-sdk/client-bedrock-runtime';
import { startCassetteServer, type CassetteServer } from '../support/cassette-server.js';
import { parseConfigText } from '../../src/config/load.js';
import { startGateway, type Gateway } from '../../src/app.js';
import { createKey } from '../../src/identity/apikeys.js';

const ANSWER = 'Write to jane.doe@example.com or call +1 415 555 0100 today.';

function sse(delta: object, finish: string | null): string {
  return `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
}

let up: CassetteServer;
let gw: Gateway;
let key: string;
let dir: string | undefined;

before(async () => {
  const chunks = [sse({ role: 'assistant', content: '' }, null), ...[...ANSWER].map((ch) => sse({ content: ch }, null)), sse({}, 'stop'),
    `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [], usage: { prompt_tokens: 5, completion_tokens: 20, total_tokens: 25 } })}\n\n`, 'data: [DONE]\n\n'];
  up = await startCassetteServer([{ name: 'split', request: { method: 'POST', path: '/v1/chat/completions' }, response: { status: 200, headers: { 'content-type': 'text/event-stream' }, chunks } }]);
  dir = mkdtempSync(join(tmpdir(), 'rampart-mask-'));
  const config = parseConfigText(`
server: { host: 127.0.0.1, port: 0 }
store: { kind: sqlite, path: ${join(dir, 'db.sqlite')} }
log: { level: silent }
providers: [{ name: up, kind: openai, baseUrl: "${up.url}/v1", apiKey: k }]
models: [{ name: m, deployments: [{ provider: up, model: m }] }]
guardrails:
  definitions:
    - id: mask
      name: mask
      blockedInputMessaging: blocked
      blockedOutputsMessaging: blocked
      sensitiveInformationPolicyConfig:
        piiEntitiesConfig: [{ type: EMAIL, action: ANONYMIZE }, { type: PHONE, action: ANONYMIZE }]
      rampart: { streaming: { mode: sync, windowChars: 64 } }
  attach: { all: [mask] }
`, join(dir, 'rampart.yaml'), {});
  gw = await startGateway({ loaded: { config, baseDir: dir }, logger: pino({ level: 'silent' }), watch: false });
  key = (await createKey(gw.store, { name: 'k', roles: ['platform-admin'] }, { id: 't', roles: [], scope: 'admin' })).key;
});
after(async () => {
  await gw?.close();
  await up?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const MASKED = 'Write to {EMAIL} or call {PHONE} today.';

test('OpenAI SSE: the email split at every byte is masked', async () => {
  const s = await new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 }).chat.completions.create({ model: 'm', stream: true, messages: [{ role: 'user', content: 'contact?' }] });
  let text = '';
  for await (const c of s) text += c.choices[0]?.delta?.content ?? '';
  assert.equal(text, MASKED);
});

test('Anthropic SSE: the same stream is masked', async () => {
  const s = new Anthropic({ baseURL: gw.url, apiKey: key, maxRetries: 0 }).messages.stream({ model: 'm', max_tokens: 64, messages: [{ role: 'user', content: 'contact?' }] });
  let text = '';
  s.on('text', (t) => { text += t; });
  await s.finalMessage();
  assert.equal(text, MASKED);
});

test('Bedrock event stream: the same stream is masked', async () => {
  const c = new BedrockRuntimeClient({ region: 'us-east-1', endpoint: gw.url, maxAttempts: 1, token: { token: key }, authSchemePreference: ['httpBearerAuth'] });
  const r = await c.send(new ConverseStreamCommand({ modelId: 'm', messages: [{ role: 'user', content: [{ text: 'contact?' }] }] }));
  let text = '';
  for await (const ev of r.stream as AsyncIterable<ConverseStreamOutput>) text += ev.contentBlockDelta?.delta?.text ?? '';
  assert.equal(text, MASKED);
});
