/**
 * Measuring a detector on a labelled set: precision, recall, F1, false positive rate and per-row
 * latency. Targets are small adapters, so the same runner measures a bare classifier, the PII
 * detector or (later) a whole configured guardrail.
 */
import { strengthBlocks, type Detector, type Strength } from '../types.js';
import type { LearnedClassifier } from '../detectors/learned/linear.js';
import { PRESIDIO_TO_BEDROCK, scorePii, type PiiScore, type PiiSpan } from '../detectors/pii/score.js';
import type { LabelledRow, PiiRow } from './dataset.js';
import { binaryMetrics, percentile, round } from './metrics.js';

export interface ClassifierTarget {
  kind: 'classifier';
  run(text: string): { flagged: boolean; score: number };
}

export interface SpanTarget {
  kind: 'spans';
  run(text: string): PiiSpan[];
}

export type EvalTarget = ClassifierTarget | SpanTarget;

export interface EvalResult {
  n: number;
  precision: number;
  recall: number;
  f1: number;
  fpr: number;
  latency_ms: { p50: number; p99: number };
  per_type?: Record<string, { precision: number; recall: number; f1: number; tp: number; fp: number; found: number; gold: number }>;
}

export interface RunOptions {
  /** Called after each row, e.g. for a progress bar. */
  onProgress?: (done: number, total: number) => void;
  /** Receives one JSON-serialisable object per row, in order. */
  onPrediction?: (line: object) => void;
}

/** Figures are quoted at MEDIUM strength, Bedrock's default. */
export const EVAL_STRENGTH: Strength = 'MEDIUM';

export function classifierTarget(c: LearnedClassifier, strength: Strength = EVAL_STRENGTH): ClassifierTarget {
  return {
    kind: 'classifier',
    run(text: string) {
      const score = c.score(text);
      return { flagged: strengthBlocks(strength, c.confidence(score)), score };
    },
  };
}

/** The PII detector's findings that a filter at `strength` would act on, as scored spans. */
export function detectorSpanTarget(d: Detector, strength: Strength = EVAL_STRENGTH): SpanTarget {
  return {
    kind: 'spans',
    run(text: string) {
      const out: PiiSpan[] = [];
      for (const f of d.scan(text, 'INPUT')) {
        if (f.start === undefined || f.end === undefined || !strengthBlocks(strength, f.confidence)) continue;
        out.push({ type: f.type, start: f.start, end: f.end });
      }
      return out;
    },
  };
}

function elapsedMs(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function latency(times: number[]): { p50: number; p99: number } {
  return { p50: round(percentile(times, 50), 4), p99: round(percentile(times, 99), 4) };
}

const SCORED_PRESIDIO = new Set(Object.keys(PRESIDIO_TO_BEDROCK));

export function evalClassifier(rows: readonly LabelledRow[], target: ClassifierTarget, opts: RunOptions = {}): EvalResult {
  const flagged: boolean[] = [];
  const times: number[] = [];
  rows.forEach((r, i) => {
    const t0 = process.hrtime.bigint();
    const out = target.run(r.text);
    times.push(elapsedMs(t0));
    flagged.push(out.flagged);
    opts.onPrediction?.({ id: r.id, flagged: out.flagged, score: round(out.score, 6) });
    opts.onProgress?.(i + 1, rows.length);
  });
  const m = binaryMetrics(rows.map((r) => r.label), flagged);
  return { n: m.n, precision: round(m.precision), recall: round(m.recall), f1: round(m.f1), fpr: round(m.fpr), latency_ms: latency(times) };
}

/**
 * PII figures follow ../shared/eval/README.md via the PII detector's `scorePii`. The false positive
 * rate is per row: rows with no scored gold span on which anything was reported.
 */
export function evalPii(rows: readonly PiiRow[], target: SpanTarget, opts: RunOptions = {}): EvalResult {
  const gold: PiiSpan[][] = [];
  const predicted: PiiSpan[][] = [];
  const times: number[] = [];
  let cleanRows = 0;
  let cleanFlagged = 0;
  rows.forEach((r, i) => {
    const t0 = process.hrtime.bigint();
    const spans = target.run(r.text);
    times.push(elapsedMs(t0));
    gold.push(r.spans);
    predicted.push(spans);
    if (!r.spans.some((g) => SCORED_PRESIDIO.has(g.type))) {
      cleanRows++;
      if (spans.length > 0) cleanFlagged++;
    }
    opts.onPrediction?.({ id: r.id, spans: spans.map((s) => ({ type: s.type, start: s.start, end: s.end })) });
    opts.onProgress?.(i + 1, rows.length);
  });
  const s: PiiScore = scorePii(gold, predicted);
  const perType: NonNullable<EvalResult['per_type']> = {};
  for (const [t, v] of Object.entries(s.perType)) {
    perType[t] = { precision: round(v.precision), recall: round(v.recall), f1: round(v.f1), tp: v.tp, fp: v.fp, found: v.found, gold: v.gold };
  }
  return {
    n: rows.length,
    precision: round(s.precision),
    recall: round(s.recall),
    f1: round(s.f1),
    fpr: round(cleanRows === 0 ? 0 : cleanFlagged / cleanRows),
    latency_ms: latency(times),
    per_type: perType,
  };
}

