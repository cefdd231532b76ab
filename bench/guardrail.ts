/**
 * bench/guardrail: every text detector of a full guardrail (all six content filters, all 31 PII types,
 * custom words + the managed profanity list, secrets, hidden text, output handling) on the 4 KB prompt
 * of bench/prompt.ts,
 * through the real engine and the trained models. Prints p50/p99 per evaluation and MB/s on one core.
 * The third line is the full guardrail without the learned parts (no content filters, no NAME/ADDRESS
 * tagger): what the engine and the deterministic detectors cost on their own. The fourth is the full
 * guardrail on the same 4 KB split into four 1 KB messages, as a chat request with history sends it.
 * Each setup is warmed up with 5,000 evaluations first, then timed.
 *   npm run build && node dist/bench/guardrail.js [iterations]
 */
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { compileGuardrail, type DetectorKit } from '../src/guardrails/compile.js';
import { createDetectorKit } from '../src/guardrails/detectors/kit.js';
import { loadClassifier, loadPiiTagger } from '../src/guardrails/detectors/learned/index.js';
import { parseGuardrailDefinition, PII_ENTITY_TYPES, CONTENT_FILTER_TYPES, type GuardrailDefinition } from '../src/guardrails/schema.js';
import { builtinDefault } from '../src/guardrails/config.js';
import { makePrompt } from './prompt.js';
import { setInliningFlags } from '../src/cli/v8-flags.js';

// The gateway's V8 inlining budget (src/cli/v8-flags.ts), so this measures what `rampart serve` runs.
setInliningFlags();

const N = Number(process.argv[2] ?? 5000);
const WARMUP = 5000;

const fullInput = {
  name: 'full',
  blockedInputMessaging: 'blocked',
  blockedOutputsMessaging: 'blocked',
  contentPolicyConfig: {
    filtersConfig: CONTENT_FILTER_TYPES.map((type) => ({ type, inputStrength: 'MEDIUM', outputStrength: type === 'PROMPT_ATTACK' ? 'NONE' : 'MEDIUM' })),
  },
  wordPolicyConfig: { wordsConfig: [{ text: 'project-zeus' }, { text: 'confidential merger' }], managedWordListsConfig: [{ type: 'PROFANITY' }] },
  sensitiveInformationPolicyConfig: { piiEntitiesConfig: PII_ENTITY_TYPES.map((type) => ({ type, action: 'ANONYMIZE' })) },
  rampart: { secrets: { action: 'BLOCK' }, invisibleText: { action: 'BLOCK' }, outputHandling: { allowedLinkDomains: ['example.com'] } },
};
const full = parseGuardrailDefinition(fullInput);
const { contentPolicyConfig: _learned, ...withoutClassifiers } = fullInput;
const deterministic = parseGuardrailDefinition(withoutClassifiers);

// The kit src/app.ts wires (realDetectorKit), built here so the bench does not load the whole server.
const kit = createDetectorKit({ piiTagger: loadPiiTagger(), classifier: (name) => loadClassifier(name) });
// Distinct string objects (per-text caches must not turn the timing into cache hits), built before timing.
// Flat strings, as JSON.parse of a request body gives them: makePrompt's concatenate-and-slice
// leaves a sliced string, whose characters every detector reads ~15% slower (measured).
const texts = Array.from({ length: 64 }, (_, i) => JSON.parse(JSON.stringify(makePrompt(4096, i))) as string);
const single = texts.map((t) => [t]);
// The same 4 KB as a conversation of four 1 KB messages (a chat request carries its history), each
// message numbered: the caches compare texts by content, and unnumbered quarters would repeat.
const quarters = texts.map((t, i) => [0, 1, 2, 3].map((q) => JSON.parse(JSON.stringify(`${i}.${q} ${t.slice(q * 1024, (q + 1) * 1024)}`.slice(0, 1024))) as string));
const runs: [string, GuardrailDefinition, DetectorKit, string[][]][] = [
  ['full guardrail', full, kit, single],
  ['rampart-default', parseGuardrailDefinition(builtinDefault()), kit, single],
  // No classifiers and no tagger: the part of the full guardrail that is not learned.
  ['full, no learned', deterministic, createDetectorKit(), single],
  ['full, 4 messages', full, kit, quarters],
];
// The figures depend on the host: the same build measured 0.149 ms and 0.093 ms a 4 KB prompt on two days' machines.
console.log(`bench/guardrail: node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}, ${N} timed evaluations after ${WARMUP} warm-up`);
for (const [name, def, k, inputs] of runs) {
  const g = compileGuardrail(def, { id: name, version: '1', kit: k });
  // Warm-up to the steady state a gateway under load runs in: over the first ~2,000 evaluations V8
  // is still optimising (and re-optimising) the detectors, on this thread and on background ones,
  // which puts 1-6 ms evaluations into the tail (measured: p99 0.37 ms after 300 warm-up
  // evaluations, 0.20-0.25 ms after 5,000).
  for (let i = 0; i < WARMUP; i++) g.evaluate(inputs[i % 64], 'INPUT', {});
  const times = new Float64Array(N);
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const s = performance.now();
    g.evaluate(inputs[i % 64], 'INPUT', {});
    times[i] = performance.now() - s;
  }
  const total = performance.now() - t0;
  times.sort();
  const q = (p: number) => times[Math.min(N - 1, Math.floor(p * N))].toFixed(3);
  const mbps = ((4096 * N) / 1e6 / (total / 1000)).toFixed(1);
  // The same again timed in process CPU time (all threads: GC helpers included), in its own pass so the
  // clock figures above carry no getrusage calls. On a shared virtual machine the wall clock also counts
  // the time the thread was not running; CPU time does not, so the two p99s separate the code's tail
  // from the machine's.
  const cpu = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const c0 = process.cpuUsage();
    g.evaluate(inputs[i % 64], 'INPUT', {});
    const c = process.cpuUsage(c0);
    cpu[i] = (c.user + c.system) / 1000;
  }
  cpu.sort();
  const qc = (p: number) => cpu[Math.min(N - 1, Math.floor(p * N))].toFixed(3);
  console.log(`${name.padEnd(16)} 4 KB input: p50 ${q(0.5)} ms  p99 ${q(0.99)} ms  mean ${(total / N).toFixed(3)} ms  ${mbps} MB/s (one core); CPU time p50 ${qc(0.5)} ms  p99 ${qc(0.99)} ms`);
}
