/**
 * Hyper-parameters of each committed classifier. Chosen by k-fold and leave-one-source-out CV on
 * the development sets, preferring the more general setting when the figures were close.
 */
import { join } from 'node:path';
import { readLabelled, type LabelledRow } from '../../src/guardrails/eval/dataset.js';
import { BENIGN_TASKS } from './benign-tasks.js';
import { benignCode } from './benign-code.js';
import { attackTemplates, taskTemplates } from './templates.js';
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
  /** Adds the hand-written ordinary task requests (benign-tasks.ts) as negatives, source `extra:tasks`. */
  benignTasks?: boolean;
  /** Adds generated program text (benign-code.ts) as negatives, source `extra:code`. */
  benignCode?: boolean;
  /**
   * Adds the phrase-list rows of templates.ts: generic attacks as positives (`extra:attack-templates`)
   * and ordinary requests as negatives (`extra:task-templates`).
   */
  templates?: boolean;
  /**
   * The prompt-attack unknown-word cues' common-word table: the fitted benign rows plus this file's
   * texts (all labels: offensive tweets are still ordinary language), which count as `group` for
   * leave-one-source-out. Resolved by withVocabulary().
   */
  vocabulary?: { minTexts: number; corpusFile: string; group: string };
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

/**
 * Prior logit weights of the cue features (reviewed, not fitted): what one cue alone is worth
 * before any data. Strong injection cues ("ignore all previous instructions", "you are now",
 * "reveal your system prompt") start high enough to flag a short text on their own; generic
 * ones ("you are", hypothetical framing) start at 0. The data moves them; the prior is what a
 * held-out source still gets. Unlisted features start at 0.
 */
const PA_PRIOR: Record<string, number> = {
  override_object: 5, prior_instructions: 2, you_are_now: 3, act_as: 2, jailbreak_words: 3, no_restrictions: 3,
  special_mode: 3, extract_prompt: 3, new_task: 3, delimiter: 2, stop_then_say: 3, stay_in_role: 2,
  odd_token_window: 4, odd_token_run: 1, harmful_request: 0, harmful_writing: 1, task_switch: 2, persona: 1.5, output_only: 1, despite_told: 2,
  unknown_burst: 0, gibberish_window: 0, suffix_gibberish: 0,
  // Program text reads as symbol soup to the suffix cues; keywords and line structure say it is code.
  code_words: -1, code_syntax: -1,
};
const PA_PRIOR_LAMBDA = 10;

const HI_PRIOR: Record<string, number> = {
  harm_words: 2, harm_request: 2, violent_person: 2, write_bad: 2,
  tech_context: -1, figurative_context: -1, safe_object: -1, violent_safe_object: -2, what_why_question: -1, group_rights: 2,
};
const HI_PRIOR_LAMBDA = 10;

export const RECIPES: DatasetRecipe[] = [
  {
    name: 'prompt-attack',
    file: 'prompt-attack.jsonl',
    spec: { bits: 16, charMin: 4, charMax: 4, words: true, source: 'tokens' },
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
    cues: { set: 'prompt-attack', lambdaFactor: PA_PRIOR_LAMBDA, prior: PA_PRIOR },
    benignTasks: true,
    benignCode: true,
    templates: true,
    // Tweets, as published in the toxicity set; the prompt-attack set's own tweets are that source.
    vocabulary: { minTexts: 2, corpusFile: 'toxicity.jsonl', group: 'davidson/neither' },
  },
  {
    name: 'toxicity',
    file: 'toxicity.jsonl',
    spec: { bits: 16, charMin: 4, charMax: 4, words: true, source: 'tokens' },
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
    benignCode: true,
    folds: 5,
    seed: SEED,
  },
  {
    name: 'harmful-intent',
    file: 'harmful-intent.jsonl',
    spec: { bits: 16, charMin: 4, charMax: 4, words: true, source: 'tokens' },
    windowFeatures: 8000,
    lambda: 1e-4,
    epochs: 30,
    lr0: 0.5,
    thresholdPolicy: 'f1',
    thresholdRows: 'primary',
    sourceBalance: false,
    extraNegatives: { file: 'prompt-attack.jsonl', sources: ['deepset-prompt-injections/train', 'davidson/neither', 'presidio-synth'] },
    groupOf: (r: LabelledRow) => extraGroup(r) ?? harmfulGroup(r),
    folds: 5,
    seed: SEED,
    cues: { set: 'harmful-intent', lambdaFactor: HI_PRIOR_LAMBDA, prior: HI_PRIOR },
    benignTasks: true,
  },
];

/** The recipe's rows: its own file plus the benign rows it borrows from other sets. */
export function recipeRows(evalDir: string, recipe: DatasetRecipe): LabelledRow[] {
  const rows = readLabelled(join(evalDir, recipe.file));
  const seen = new Set(rows.map((r) => r.text));
  if (recipe.benignTasks) {
    BENIGN_TASKS.forEach((text, i) => {
      if (!seen.has(text)) rows.push({ id: `task-${i}`, text, label: false, source: `${EXTRA}tasks` });
      seen.add(text);
    });
  }
  if (recipe.benignCode) {
    benignCode().forEach((text, i) => {
      if (!seen.has(text)) rows.push({ id: `code-${i}`, text, label: false, source: `${EXTRA}code` });
      seen.add(text);
    });
  }
  if (recipe.templates) {
    const add = (texts: string[], label: boolean, name: string): void =>
      texts.forEach((text, i) => {
        if (!seen.has(text)) rows.push({ id: `${name}-${i}`, text, label, source: `${EXTRA}${name}` });
        seen.add(text);
      });
    add(attackTemplates(), true, 'attack-templates');
    add(taskTemplates(), false, 'task-templates');
  }
  const extra = recipe.extraNegatives;
  if (!extra) return rows;
  for (const r of readLabelled(join(evalDir, extra.file))) {
    if (r.label || seen.has(r.text) || !extra.sources.some((s) => r.source === s || r.source.startsWith(`${s}/`))) continue;
    seen.add(r.text);
    rows.push({ ...r, source: `${EXTRA}${r.source.startsWith('xstest') ? 'xstest' : r.source}` });
  }
  return rows;
}

/** The recipe with its vocabulary corpus read, ready for trainClassifier. */
export function withVocabulary(evalDir: string, recipe: DatasetRecipe): DatasetRecipe {
  const v = recipe.vocabulary;
  if (!v || !recipe.cues) return recipe;
  const texts = readLabelled(join(evalDir, v.corpusFile)).map((r) => r.text);
  return { ...recipe, cues: { ...recipe.cues, vocabulary: { minTexts: v.minTexts, corpus: { texts, group: v.group } } } };
}
