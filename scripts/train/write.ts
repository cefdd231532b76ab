/** Trains one classifier recipe and writes its weight files. */
import { writeQuantized } from '../../src/guardrails/detectors/learned/model-file.js';
import { LINEAR_FORMAT } from '../../src/guardrails/detectors/learned/load.js';
import { CUE_NAMES } from '../../src/guardrails/detectors/learned/cues.js';
import { round } from '../../src/guardrails/eval/metrics.js';
import type { LabelledRow } from '../../src/guardrails/eval/dataset.js';
import { trainClassifier, type ClassifierReport, type ClassifierRecipe } from './classifiers.js';

export function trainAndWriteClassifier(rows: readonly LabelledRow[], recipe: ClassifierRecipe, outDir: string, log: (m: string) => void): ClassifierReport {
  const { params, report } = trainClassifier(rows, recipe, log);
  writeQuantized(outDir, recipe.name, LINEAR_FORMAT, params.weights, params.weightScale, {
    spec: params.spec,
    bias: params.bias,
    calibration: params.calibration,
    thresholds: params.thresholds,
    windowFeatures: params.windowFeatures,
    ...(params.cues
      ? {
          cues: {
            set: params.cues.set,
            names: [...CUE_NAMES[params.cues.set]],
            weights: Array.from(params.cues.weights, (w) => round(w, 6)),
            ...(params.cues.vocab ? { vocabulary: params.cues.vocab.encode() } : {}),
          },
        }
      : {}),
    trainedOn: { rows: report.rows, positives: report.positives },
  });
  return report;
}
