/**
 * Governance through the running gateway: an application registered at Scoping Matrix scope 3
 * with a prompt-attack guardrail is served; remove the guardrail and its posture turns red, and
 * (the rule being in block mode) its calls are refused with a reason naming the rule.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startHarness, type Harness } from './harness.js';
import { createKey } from '../../src/identity/apikeys.js';
import { Applications } from '../../src/governance/applications.js';
import { appInput } from '../../src/governance/testing.js';

const GUARDRAILS = `
guardrails:
  definitions:
    - id: pa-medium
      name: pa-medium
      blockedInputMessaging: blocked
      blockedOutputsMessaging: blocked
      contentPolicyConfig: { filtersConfig: [{ type: PROMPT_ATTACK, inputStrength: MEDIUM, outputStrength: NONE }] }
  attach: { all: [] }
`;

let h: Harness;
let apps: Applications;
let client: OpenAI;
const actor = { id: 'user:alice', roles: ['platform-admin'] };

before(async () => {
  h = await startHarness(GUARDRAILS);
  apps = new Applications({ store: h.gw.store.governance, audit: () => undefined, changes: h.gw.store.changes });
  const { key } = await createKey(h.gw.store, { name: 'bot', roles: ['general-access'], application: 'support-bot' }, { id: 't', roles: [], scope: 'admin' });
  client = new OpenAI({ baseURL: `${h.gw.url}/v1`, apiKey: key, maxRetries: 0 });
});
after(async () => { await h?.close(); });

async function eventually(fn: () => Promise<void>, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try { return await fn(); } catch (err) { if (Date.now() > end) throw err; }
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('a compliant scope-3 application is served; without its prompt-attack guardrail it is refused, naming the rule', async () => {
  await apps.create(actor, appInput({ id: 'support-bot', scope: 3, guardrails: ['pa-medium'] }));
  await eventually(async () => {
    const r = await client.chat.completions.create({ model: 'm-openai', messages: [{ role: 'user', content: 'Say hello.' }] });
    assert.equal(r.choices[0].message.content, 'Hello! How can I help?');
  });

  await apps.update(actor, 'support-bot', { guardrails: [] });
  await eventually(async () => {
    await assert.rejects(client.chat.completions.create({ model: 'm-openai', messages: [{ role: 'user', content: 'Say hello.' }] }),
      (e: unknown) => e instanceof OpenAI.PermissionDeniedError && /prompt-attack-filter/.test(e.message));
  });

  // Restoring the control restores service.
  await apps.update(actor, 'support-bot', { guardrails: ['pa-medium'] });
  await eventually(async () => {
    const r = await client.chat.completions.create({ model: 'm-openai', messages: [{ role: 'user', content: 'Say hello.' }] });
    assert.equal(r.choices[0].finish_reason, 'stop');
  });
});

test('an application record with an unknown scope or classification is refused with the field path', async () => {
  await assert.rejects(apps.create(actor, appInput({ id: 'bad-scope', scope: 9 as 3 })), /scope/);
  await assert.rejects(apps.create(actor, appInput({ id: 'bad-class', dataClassification: 'secret' as 'internal' })), /dataClassification/);
});
