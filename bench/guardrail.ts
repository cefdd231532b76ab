/**
 * bench/guardrail: every text detector of a full guardrail (all six content filters, all 31 PII types,
 * custom words + the managed profanity list, secrets, hidden text, output handling) on the 4 KB prompt
 * of bench/prompt.ts,
 * through the real engine and the trained models. Prints p50/p99 per evaluation and MB/s on one core.
 *   npm run build && node dist/bench/guardrail.js [iterations]
 */
import { performance } from 'node:perf_hooks';
import { realDetectorKit } from '../src/app.js';
import { compileGuardrail } from '../src/guardrails/compile.js';
import { parseGuardrailDefinition, PII_ENTITY_TYPES, CONTENT_FILTER_TYPES } from '../src/guardrails/schema.js';
import { builtinDefault } from '../src/guardrails/config.js';
import { makePrompt } from './prompt.js';

const N = Number(process.argv[2] ?? 5000);

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
// Distinct string objects (per-text caches must not turn the timing into cache hits), built before timing.
const texts = Array.from({ length: 64 }, (_, i) => makePrompt(4096, i));
for (const [name, def] of [['full guardrail', full], ['rampart-default', parseGuardrailDefinition(builtinDefault())]] as const) {
  const g = compileGuardrail(def, { id: name, version: '1', kit });
  for (let i = 0; i < 300; i++) g.evaluate([texts[i % 64]], 'INPUT', {});
  const times = new Float64Array(N);
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const s = performance.now();
    g.evaluate([texts[i % 64]], 'INPUT', {});
    times[i] = performance.now() - s;
  }
  const total = performance.now() - t0;
  times.sort();
  const q = (p: number) => times[Math.min(N - 1, Math.floor(p * N))].toFixed(3);
  const mbps = ((4096 * N) / 1e6 / (total / 1000)).toFixed(1);
  console.log(`${name.padEnd(16)} 4 KB input: p50 ${q(0.5)} ms  p99 ${q(0.99)} ms  mean ${(total / N).toFixed(3)} ms  ${mbps} MB/s (one core)`);
}
