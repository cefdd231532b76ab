/**
 * Hyper-parameters of each committed classifier. Chosen by k-fold and leave-one-source-out CV on
 * the development sets, preferring the more general setting when the figures were close.
 */
import { join } from 'node:path';
import { readLabelled, type LabelledRow } from '../../src/guardrails/eval/dataset.js';
import type { ClassifierRecipe } from './classifiers.js';

export const SEED = 20260101;

export interface DatasetRecipe extends ClassifierRecipe {
  file: string;
  /**
   * Benign rows of other sets added as negatives (source prefixed `extra:`): ordinary prompts carry
   * no toxicity and no harmful request, and without them a model trained on one narrow source
   * flags most everyday text. Duplicate texts of the primary set are dropped.
   */
  extraNegatives?: { file: string; sources: string[] };
}

/** Leave-one-source-out group of an added negative, else null. */
const extraGroup = (r: LabelledRow): string | null => (r.source.startsWith(EXTRA) ? r.source : null);
export const EXTRA = 'extra:';

/** XSTest pairs a safe category with its unsafe contrast; holding out the pair tests new topics. */
function harmfulGroup(r: LabelledRow): string {
  if (r.source !== 'xstest') return `jbb/${r.category ?? ''}`;
  const c = (r.category ?? '').replace(/^contrast_/, '');
  if (c.startsWith('privacy')) return 'xstest/privacy';
  if (c === 'real_group_nons_discr' || c === 'nons_group_real_discr' || c === 'discr') return 'xstest/discr';
  return `xstest/${c}`;
}

export const RECIPES: DatasetRecipe[] = [
  {
    name: 'prompt-attack',
    file: 'prompt-attack.jsonl',
    spec: { bits: 17, charMin: 3, charMax: 5, words: true },
    windowFeatures: 8000,
    lambda: 1e-4,
    epochs: 12,
    lr0: 0.5,
    thresholdPolicy: 'fpr',
    thresholdRows: 'primary',
    sourceBalance: true,
    // Sources as published: each jailbreak family, deepset, XSTest, tweets, Presidio sentences.
    groupOf: (r: LabelledRow) => (r.source.startsWith('xstest') ? 'xstest' : r.source),
    folds: 5,
    seed: SEED,
    cues: { set: 'prompt-attack', lambdaFactor: 0.1 },
  },
  {
    name: 'toxicity',
    file: 'toxicity.jsonl',
    spec: { bits: 17, charMin: 3, charMax: 5, words: true },
    windowFeatures: 8000,
    lambda: 1e-5,
    epochs: 8,
    lr0: 0.5,
    thresholdPolicy: 'f1',
    thresholdRows: 'primary',
    sourceBalance: false,
    // Davidson is one source: leave-one-source-out only holds out each added benign source.
    groupOf: extraGroup,
    extraNegatives: { file: 'prompt-attack.jsonl', sources: ['deepset-prompt-injections/train', 'xstest', 'presidio-synth'] },
    folds: 5,
    seed: SEED,
  },
  {
    name: 'harmful-intent',
    file: 'harmful-intent.jsonl',
    spec: { bits: 17, charMin: 3, charMax: 5, words: true },
    windowFeatures: 8000,
    lambda: 1e-4,
    epochs: 30,
    lr0: 0.5,
    thresholdPolicy: 'f1',
    thresholdRows: 'all',
    sourceBalance: false,
    extraNegatives: { file: 'prompt-attack.jsonl', sources: ['deepset-prompt-injections/train', 'davidson/neither', 'presidio-synth'] },
    groupOf: (r: LabelledRow) => extraGroup(r) ?? harmfulGroup(r),
    folds: 5,
    seed: SEED,
    cues: { set: 'harmful-intent', lambdaFactor: 0.1 },
  },
];

/** The recipe's rows: its own file plus the benign rows it borrows from other sets. */
export function recipeRows(evalDir: string, recipe: DatasetRecipe): LabelledRow[] {
  const rows = readLabelled(join(evalDir, recipe.file));
  const extra = recipe.extraNegatives;
  if (!extra) return rows;
  const seen = new Set(rows.map((r) => r.text));
  for (const r of readLabelled(join(evalDir, extra.file))) {
    if (r.label || seen.has(r.text) || !extra.sources.some((s) => r.source === s || r.source.startsWith(`${s}/`))) continue;
    seen.add(r.text);
    rows.push({ ...r, source: `${EXTRA}${r.source.startsWith('xstest') ? 'xstest' : r.source}` });
  }
  return rows;
}
