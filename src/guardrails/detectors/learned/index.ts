/**
 * Learned detectors: linear text classifiers and the NAME/ADDRESS tagger, trained by
 * `npm run train` (scripts/train.ts) into models/. Wiring:
 *   kit.classifier = (name) => loadClassifier(name)          // KitClassifier: score + confidence
 *   createPiiDetector({ types, tagger: loadPiiTagger() })
 * Both loaders read and verify their files once and throw when a file is missing or corrupt.
 */
export { CLASSIFIER_NAMES, isClassifierName, loadClassifier, type ClassifierName } from './load.js';
export type { LearnedClassifier, Thresholds } from './linear.js';
export { loadPiiTagger, type PiiTagger, type TaggedSpan } from './tagger.js';
export { modelsDir } from './model-file.js';
