/**
 * Loading the committed classifiers from models/. Each file is read and verified once per process;
 * a missing or corrupt file throws, so a guardrail that needs a classifier fails at config load
 * rather than passing traffic unscanned.
 */
import type { FeatureSpec } from './features.js';
import { CUE_NAMES, type CueSet } from './cues.js';
import { createLinearClassifier, type LearnedClassifier, type Thresholds } from './linear.js';
import { readQuantized } from './model-file.js';
import { WordTable } from './vocabulary.js';

export const LINEAR_FORMAT = 'rampart-linear-v1';

export type ClassifierName = 'prompt-attack' | 'toxicity' | 'harmful-intent' | 'insults';
export const CLASSIFIER_NAMES: readonly ClassifierName[] = ['prompt-attack', 'toxicity', 'harmful-intent', 'insults'];

interface LinearMeta {
  spec: FeatureSpec;
  bias: number;
  calibration: { a: number; b: number };
  thresholds: Thresholds;
  windowFeatures: number;
  /** Dense cue features: the set, its feature names (checked against the code) and weights. */
  cues?: { set: CueSet; names: string[]; weights: number[]; vocabulary?: string };
}

function denseOf(name: string, meta: LinearMeta): { set: CueSet; weights: Float32Array; vocab?: WordTable } | undefined {
  if (!meta.cues) return undefined;
  const expected = CUE_NAMES[meta.cues.set];
  // A weight file trained with another cue list would silently misalign weights: refuse it.
  if (!expected || expected.join(',') !== meta.cues.names.join(',') || meta.cues.weights.length !== expected.length) {
    throw new Error(`model ${name}: cue features do not match this version`);
  }
  const vocab = meta.cues.vocabulary === undefined ? undefined : WordTable.decode(meta.cues.vocabulary);
  return { set: meta.cues.set, weights: Float32Array.from(meta.cues.weights), vocab };
}

/**
 * There is no labelled insult data here, so `insults` is the toxicity model under another name:
 * Davidson's "offensive" class is mostly insults and slurs.
 */
const FILE_OF: Record<ClassifierName, ClassifierName> = {
  'prompt-attack': 'prompt-attack',
  toxicity: 'toxicity',
  'harmful-intent': 'harmful-intent',
  insults: 'toxicity',
};

const cache = new Map<string, LearnedClassifier>();

export function isClassifierName(name: string): name is ClassifierName {
  return (CLASSIFIER_NAMES as readonly string[]).includes(name);
}

export function loadClassifier(name: ClassifierName, opts: { dir?: string } = {}): LearnedClassifier {
  if (!isClassifierName(name)) throw new Error(`unknown classifier ${String(name)}`);
  const key = `${opts.dir ?? ''}|${name}`;
  const hit = cache.get(key);
  if (hit) return hit;
  if (FILE_OF[name] !== name) {
    // The same weights under another name share one table and one scorer, so a guardrail with both
    // filters holds the weights once and scores a text once (the scorer remembers its last text).
    const classifier: LearnedClassifier = { ...loadClassifier(FILE_OF[name], opts), name };
    cache.set(key, classifier);
    return classifier;
  }
  const { header, data } = readQuantized<LinearMeta>(FILE_OF[name], LINEAR_FORMAT, opts.dir);
  if (data.length !== 1 << header.spec.bits) throw new Error(`model ${name}: ${data.length} weights for ${header.spec.bits} bits`);
  const classifier = createLinearClassifier({
    name,
    spec: header.spec,
    weights: data,
    weightScale: header.scale,
    bias: header.bias,
    calibration: header.calibration,
    thresholds: header.thresholds,
    windowFeatures: header.windowFeatures,
    cues: denseOf(name, header),
  });
  cache.set(key, classifier);
  return classifier;
}
