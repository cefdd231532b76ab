/**
 * `npm run train`: regenerates models/ from the evaluation sets in ../shared/eval (or
 * RAMPART_EVAL_DIR). Deterministic for a fixed seed; also writes models/training-report.json with
 * the cross-validated figures quoted in docs/guardrails-quality.md.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { readLabelled, readPii } from '../src/guardrails/eval/dataset.js';
import { trainAndWriteClassifier } from './train/write.js';
import { recipeRows, RECIPES, withVocabulary } from './train/recipes.js';
import { buildLexicon, buildVocabulary, trainTaggerWithReport } from './train/tagger.js';
import { nameSentences } from './train/name-sentences.js';

const require = createRequire(import.meta.url);

function main(): void {
  const evalDir = resolve(process.env.RAMPART_EVAL_DIR ?? join(process.cwd(), '..', 'shared', 'eval'));
  const outDir = resolve(process.env.RAMPART_MODELS_OUT ?? join(process.cwd(), 'models'));
  const only = process.env.RAMPART_TRAIN_ONLY?.split(',');
  mkdirSync(outDir, { recursive: true });
  const log = (m: string): void => void process.stderr.write(`${m}\n`);
  const report: Record<string, unknown> = { evalDir: 'RAMPART_EVAL_DIR or ../shared/eval' };
  for (const recipe of RECIPES) {
    if (only && !only.includes(recipe.name)) continue;
    report[recipe.name] = trainAndWriteClassifier(recipeRows(evalDir, recipe), withVocabulary(evalDir, recipe), outDir, log);
  }
  if (!only || only.includes('pii-tagger')) {
    // Lower-case vocabulary for the tagger from the other sets; the Presidio rows share the PII generator.
    const vocabTexts = ['toxicity.jsonl', 'prompt-attack.jsonl', 'harmful-intent.jsonl']
      .flatMap((f) => readLabelled(join(evalDir, f)))
      .filter((r) => !r.source.startsWith('presidio'))
      .map((r) => r.text);
    // The package exports only its cspell config; the word list sits beside it.
    const namesFile = join(dirname(require.resolve('@cspell/dict-people-names/cspell-ext.json')), 'dict', 'people-names.txt');
    const names = readFileSync(namesFile, 'utf8');
    const lex = { vocab: buildVocabulary(vocabTexts), lexicon: buildLexicon(names) };
    const piiRows = [...readPii(join(evalDir, 'pii.jsonl')), ...nameSentences(names)];
    report['pii-tagger'] = trainTaggerWithReport(piiRows, lex, outDir, log);
  }
  if (!only) writeFileSync(join(outDir, 'training-report.json'), JSON.stringify(report, null, 1) + '\n');
  process.stdout.write(JSON.stringify(report, null, 1) + '\n');
}

main();
