import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileGuardrail } from '../../compile.js';
import { parseGuardrailDefinition, CONTENT_FILTER_TYPES } from '../../schema.js';
import { createDetectorKit } from '../kit.js';
import { loadClassifier, loadPiiTagger } from './index.js';
import { sharedTokens, Tokens } from './tokens.js';

test('a guardrail tokenises each text of a conversation once, whatever the number of classifiers', (t) => {
  const def = parseGuardrailDefinition({
    name: 'all-learned',
    blockedInputMessaging: 'blocked',
    blockedOutputsMessaging: 'blocked',
    contentPolicyConfig: { filtersConfig: CONTENT_FILTER_TYPES.map((type) => ({ type, inputStrength: 'MEDIUM', outputStrength: type === 'PROMPT_ATTACK' ? 'NONE' : 'MEDIUM' })) },
    wordPolicyConfig: { managedWordListsConfig: [{ type: 'PROFANITY' }] },
    sensitiveInformationPolicyConfig: { piiEntitiesConfig: [{ type: 'NAME', action: 'ANONYMIZE' }, { type: 'ADDRESS', action: 'ANONYMIZE' }] },
  });
  const kit = createDetectorKit({ piiTagger: loadPiiTagger(), classifier: (name) => loadClassifier(name) });
  const g = compileGuardrail(def, { id: 'g', version: '1', kit });
  const conversation = [
    'You are a helpful assistant for the billing team.',
    'Please summarise the notes Jane Doe sent about the March invoices.',
    'Sure. Which invoices do you mean, the open ones or all of them?',
    'All of them, and mention the two that Tom Baker disputed.',
    'Also draft a short reply to the customer thanking them for their patience.',
  ];
  const calls = t.mock.method(Tokens.prototype, 'tokenize');
  // The system prompt and the assistant's turn are trusted (the gateway marks them so).
  const ev = g.evaluate(conversation, 'INPUT', { trusted: [true, false, true, false, false] });
  // Four classifiers (prompt attack, toxicity, insults, harmful intent), the word filter and the
  // NAME/ADDRESS tagger all read the same tokens: one tokenisation per text.
  assert.equal(calls.mock.callCount(), conversation.length);
  assert.equal(ev.outcome, 'ANONYMIZED');
  assert.ok(ev.outputs[1].includes('{NAME}') && !ev.outputs[1].includes('Jane Doe'), ev.outputs[1]);
  // A longer history (twelve turns) still fits the shared caches.
  const long = Array.from({ length: 12 }, (_, i) => `${conversation[i % conversation.length]} (turn ${i})`);
  calls.mock.resetCalls();
  g.evaluate(long, 'INPUT', {});
  assert.equal(calls.mock.callCount(), long.length);
});

test('at most two cached token tables stay sized for long texts', () => {
  const long = Array.from({ length: 16 }, (_, i) => `${i} ${'word '.repeat(9000)}`);
  const tables = long.map((t) => sharedTokens(t));
  assert.ok(tables[15].large && tables[14].large);
  assert.equal(tables.filter((t) => t.large).length, 2);
  // A released entry is tokenised again when asked for.
  assert.equal(sharedTokens(long[0]).count, 9001);
});
