/**
 * bench/guardrail: every text detector of a full guardrail (all six content filters, all 31 PII types,
 * custom words + the managed profanity list, secrets, hidden text, output handling) on a 4 KB prompt,
 * through the real engine and the trained models. Prints p50/p99 per evaluation and MB/s on one core.
 *   npm run build && node dist/bench/guardrail.js [iterations]
 */
import { performance } from 'node:perf_hooks';
import { realDetectorKit } from '../src/app.js';
import { compileGuardrail } from '../src/guardrails/compile.js';
import { parseGuardrailDefinition, PII_ENTITY_TYPES, CONTENT_FILTER_TYPES } from '../src/guardrails/schema.js';
import { builtinDefault } from '../src/guardrails/config.js';

const N = Number(process.argv[2] ?? 5000);

function prompt4k(): string {
  const parts = [
    'Please summarise the quarterly report for the northern region and list the three largest contracts. ',
    'Our customer contact is Maria Gonzalez at 742 Evergreen Terrace, Springfield; her email is maria.g@example.com. ',
    'The invoice mentions card 4111 1111 1111 1111 and the wire went to IBAN GB82 WEST 1234 5698 7654 32 last week. ',
    'Revenue grew 12% year over year, driven by renewals and two new enterprise accounts in logistics and retail. ',
  ];
  let s = '';
  for (let i = 0; s.length < 4096; i++) s += parts[i % parts.length];
  return s.slice(0, 4096);
}

const full = parseGuardrailDefinition({
  name: 'full',
  blockedInputMessaging: 'blocked',
  blockedOutputsMessaging: 'blocked',
  contentPolicyConfig: {
    filtersConfig: CONTENT_FILTER_TYPES.map((type) => ({ type, inputStrength: 'MEDIUM', outputStrength: type === 'PROMPT_ATTACK' ? 'NONE' : 'MEDIUM' })),
  },
  wordPolicyConfig: { wordsConfig: [{ text: 'project-zeus' }, { text: 'confidential merger' }], managedWordListsConfig: [{ type: 'PROFANITY' }] },
  sensitiveInformationPolicyConfig: { piiEntitiesConfig: PII_ENTITY_TYPES.map((type) => ({ type, action: 'ANONYMIZE' })) },
  rampart: { secrets: { action: 'BLOCK' }, invisibleText: { action: 'BLOCK' }, outputHandling: { allowedLinkDomains: ['example.com'] } },
});

const kit = realDetectorKit();
const text = prompt4k();
for (const [name, def] of [['full guardrail', full], ['rampart-default', parseGuardrailDefinition(builtinDefault())]] as const) {
  const g = compileGuardrail(def, { id: name, version: '1', kit });
  for (let i = 0; i < 300; i++) g.evaluate([text], 'INPUT', {});
  const times = new Float64Array(N);
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const s = performance.now();
    g.evaluate([text], 'INPUT', {});
    times[i] = performance.now() - s;
  }
  const total = performance.now() - t0;
  times.sort();
  const q = (p: number) => times[Math.min(N - 1, Math.floor(p * N))].toFixed(3);
  const mbps = ((text.length * N) / 1e6 / (total / 1000)).toFixed(1);
  console.log(`${name.padEnd(16)} 4 KB input: p50 ${q(0.5)} ms  p99 ${q(0.99)} ms  mean ${(total / N).toFixed(3)} ms  ${mbps} MB/s (one core)`);
}
