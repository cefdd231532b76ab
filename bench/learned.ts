/**
 * Learned-detector latency on a 4 KB English prompt: per classifier and the NAME/ADDRESS tagger,
 * best batch mean (what the code costs on a shared machine) and p50/p99 of all of them together.
 * Budget: the three classifiers + the tagger ~0.07 ms mean per 4 KB (the whole guardrail's mean is
 * 0.137 ms, p99 0.3 ms; the deterministic detectors take the rest).
 * Run: npm run build && node dist/bench/learned.js (from the repo root). On a shared machine compare
 * builds in one process, alternating them, rather than separate runs of this script.
 */
import { performance } from 'node:perf_hooks';
import { loadClassifier, loadPiiTagger } from '../src/guardrails/detectors/learned/index.js';
import { makePrompt } from './prompt.js';

// Distinct string objects per run, so no per-text cache makes a repeated call free; the texts are
// built before timing.
const RUNS = Number(process.env.RUNS ?? 2000);
// Flat strings, as JSON.parse of a request body gives them: makePrompt's concatenate-and-slice
// leaves a sliced string, whose characters every detector reads ~15% slower (measured).
const texts = Array.from({ length: 64 }, (_, i) => JSON.parse(JSON.stringify(makePrompt(4096, i))) as string);
const pa = loadClassifier('prompt-attack');
const tox = loadClassifier('toxicity');
const hi = loadClassifier('harmful-intent');
const tagger = loadPiiTagger();
const parts: Array<[string, (t: string) => unknown]> = [
  ['prompt-attack', (t) => pa.score(t)],
  ['toxicity', (t) => tox.score(t)],
  ['harmful-intent', (t) => hi.score(t)],
  ['tagger', (t) => tagger(t)],
];
const all = (t: string): void => {
  for (const [, fn] of parts) fn(t);
};
for (let i = 0; i < 300; i++) all(texts[i % texts.length]);

const BATCH = 20;
const best = new Map<string, number>();
for (const [name, fn] of parts) {
  for (let b = 0; b < RUNS / BATCH; b++) {
    // Each classifier alone on fresh texts pays the shared hashing itself (worst case for one).
    const a = performance.now();
    for (let i = 0; i < BATCH; i++) fn(texts[(b * BATCH + i) % texts.length] + '');
    const ms = (performance.now() - a) / BATCH;
    best.set(name, Math.min(best.get(name) ?? Infinity, ms));
  }
}
const totals: number[] = [];
const cpu: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const t = texts[i % texts.length];
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  all(t);
  totals.push(performance.now() - t0);
  const c = process.cpuUsage(c0);
  cpu.push((c.user + c.system) / 1000);
}
const q = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(`prompt: ${texts[0].length} chars, ${RUNS} runs`);
for (const [name, ms] of best) console.log(`${name.padEnd(15)} ${ms.toFixed(4)} ms (best batch mean, alone)`);
console.log(`all together    mean ${mean(totals).toFixed(4)} ms  p50 ${q(totals, 0.5).toFixed(4)} ms  p99 ${q(totals, 0.99).toFixed(4)} ms wall clock`);
console.log(`all together    cpu mean ${mean(cpu).toFixed(4)} ms  p50 ${q(cpu, 0.5).toFixed(4)} ms  p99 ${q(cpu, 0.99).toFixed(4)} ms process CPU time`);
