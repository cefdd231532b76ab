/**
 * `rampart eval`: measures a detector on a labelled JSON Lines set.
 *
 *   rampart eval --detector NAME --dataset FILE [--json] [--predictions FILE]
 *
 * NAME is prompt-attack, harmful-intent, toxicity, insults or pii. Figures are at MEDIUM strength.
 * With --json, stdout carries exactly one JSON object; the progress bar goes to stderr and only
 * when stderr is a terminal. Exit codes: 0 done, 1 failure while evaluating, 2 bad arguments.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { flagString, parseArgs } from './args.js';
import type { LabelledRow, PiiRow } from '../guardrails/eval/dataset.js';
import { readLabelled, readPii } from '../guardrails/eval/dataset.js';
import { classifierTarget, detectorSpanTarget, evalClassifier, evalPii, type EvalResult, type EvalTarget } from '../guardrails/eval/run.js';
import { isClassifierName, loadClassifier } from '../guardrails/detectors/learned/load.js';
import { loadPiiTagger } from '../guardrails/detectors/learned/tagger.js';
import { createPiiDetector } from '../guardrails/detectors/pii/index.js';

export const EVAL_DETECTORS = ['prompt-attack', 'harmful-intent', 'toxicity', 'insults', 'pii'] as const;

const USAGE = `usage: rampart eval --detector NAME --dataset FILE [--json] [--predictions FILE]
       rampart eval --guardrail ID --detector NAME --dataset FILE [--json] [--predictions FILE]
  NAME: ${EVAL_DETECTORS.join(', ')}`;

const KNOWN_FLAGS = new Set(['detector', 'dataset', 'json', 'predictions', 'guardrail', 'help']);

/**
 * Hook for `--guardrail ID`: the lead wires a resolver that builds the configured guardrail's
 * target for one detector kind. Until then `--guardrail` is a usage error.
 */
export type GuardrailTargetResolver = (guardrailId: string, detector: string) => Promise<EvalTarget>;
let guardrailResolver: GuardrailTargetResolver | null = null;

export function setGuardrailTargetResolver(resolver: GuardrailTargetResolver | null): void {
  guardrailResolver = resolver;
}

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

function progressBar(io: Io): ((done: number, total: number) => void) | undefined {
  if (!io.stderr.isTTY) return undefined;
  let last = -1;
  return (done, total) => {
    const pct = Math.floor((done / total) * 100);
    if (pct === last && done !== total) return;
    last = pct;
    const filled = Math.round(pct / 4);
    io.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(25 - filled)}] ${pct}% ${done}/${total}${done === total ? '\n' : ''}`);
  };
}

function formatHuman(detector: string, dataset: string, r: EvalResult): string {
  const f = (x: number): string => x.toFixed(4);
  const lines = [
    `detector   ${detector} (strength MEDIUM)`,
    `dataset    ${dataset} (${r.n} rows)`,
    `precision  ${f(r.precision)}`,
    `recall     ${f(r.recall)}`,
    `f1         ${f(r.f1)}`,
    `fpr        ${f(r.fpr)}`,
    `latency    p50 ${r.latency_ms.p50.toFixed(4)} ms, p99 ${r.latency_ms.p99.toFixed(4)} ms`,
  ];
  if (r.per_type) {
    lines.push('per type   precision  recall  f1      found/gold  fp');
    for (const [t, v] of Object.entries(r.per_type)) {
      lines.push(`  ${t.padEnd(36)} ${f(v.precision)}  ${f(v.recall)}  ${f(v.f1)}  ${`${v.found}/${v.gold}`.padEnd(10)}  ${v.fp}`);
    }
  }
  return lines.join('\n') + '\n';
}

function usageError(io: Io, message: string): number {
  io.stderr.write(`rampart eval: ${message}\n${USAGE}\n`);
  return 2;
}

async function buildTarget(detector: string, guardrail: string | undefined): Promise<EvalTarget> {
  if (guardrail !== undefined && guardrailResolver) return guardrailResolver(guardrail, detector);
  // As the gateway runs it (rampart.pii.minConfidence MEDIUM): doubtful spans are dropped before overlaps are settled.
  if (detector === 'pii') return detectorSpanTarget(createPiiDetector({ tagger: loadPiiTagger(), minConfidence: 'MEDIUM' }));
  if (isClassifierName(detector)) return classifierTarget(loadClassifier(detector));
  throw new Error(`unknown detector ${detector}`);
}

export async function evalCommand(argv: string[], io: Io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const args = parseArgs(argv, ['json', 'help']);
  if (args.flags.has('help')) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  for (const name of args.flags.keys()) if (!KNOWN_FLAGS.has(name)) return usageError(io, `unknown option --${name}`);
  if (args.positionals.length > 0) return usageError(io, `unexpected argument ${args.positionals[0]}`);
  const detector = flagString(args, 'detector');
  const dataset = flagString(args, 'dataset');
  const predictionsFile = args.flags.has('predictions') ? flagString(args, 'predictions') : undefined;
  const guardrail = args.flags.has('guardrail') ? flagString(args, 'guardrail') : undefined;
  if (!detector) return usageError(io, '--detector NAME is required');
  if (!(EVAL_DETECTORS as readonly string[]).includes(detector)) return usageError(io, `unknown detector '${detector}'`);
  if (!dataset) return usageError(io, '--dataset FILE is required');
  if (!existsSync(dataset)) return usageError(io, `dataset ${dataset} not found`);
  if (args.flags.has('predictions') && !predictionsFile) return usageError(io, '--predictions needs a FILE');
  if (args.flags.has('guardrail') && !guardrail) return usageError(io, '--guardrail needs an ID');
  if (guardrail !== undefined && !guardrailResolver) return usageError(io, '--guardrail is not available in this build');
  const json = args.flags.get('json') === true;

  let labelled: LabelledRow[] | null = null;
  let pii: PiiRow[] | null = null;
  try {
    if (detector === 'pii') pii = readPii(dataset);
    else labelled = readLabelled(dataset);
  } catch (err) {
    return usageError(io, err instanceof Error ? err.message : 'cannot read dataset');
  }

  try {
    const target = await buildTarget(detector, guardrail);
    const lines: string[] = [];
    const opts = {
      onProgress: progressBar(io),
      onPrediction: predictionsFile ? (line: object) => void lines.push(JSON.stringify(line)) : undefined,
    };
    let result: EvalResult;
    if (pii) {
      if (target.kind !== 'spans') throw new Error(`detector ${detector} does not produce spans`);
      result = evalPii(pii, target, opts);
    } else {
      if (target.kind !== 'classifier') throw new Error(`detector ${detector} is not a classifier`);
      result = evalClassifier(labelled ?? [], target, opts);
    }
    if (predictionsFile) writeFileSync(predictionsFile, lines.length ? lines.join('\n') + '\n' : '');
    io.stdout.write(json ? `${JSON.stringify(result)}\n` : formatHuman(detector, dataset, result));
    return 0;
  } catch (err) {
    io.stderr.write(`rampart eval: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
