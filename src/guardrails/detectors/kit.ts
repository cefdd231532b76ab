/**
 * The real detectors as the guardrail compiler's DetectorKit (src/guardrails/compile.ts), so the
 * lead wires one object: `compileGuardrail(def, createDetectorKit({ piiTagger, classifier }))`.
 */
import type { ClassifierName, DetectorKit, KitClassifier } from '../compile.js';
import { createInvisibleTextDetector } from './invisible.js';
import { createJsonSchemaCheck } from './json-schema.js';
import { createOutputDetector } from './output.js';
import { createPiiDetector, type TaggedSpan } from './pii/index.js';
import { createSecretsDetector } from './secrets.js';
import { createWordsDetector } from './words.js';

export interface DetectorKitOptions {
  /** The learned NAME/ADDRESS tagger; without it NAME is not detected and ADDRESS is pattern-only. */
  piiTagger?: (text: string) => TaggedSpan[];
  /** The learned classifiers (another module); absent means content filters fail to compile. */
  classifier?: (name: ClassifierName) => KitClassifier;
}

export function createDetectorKit(opts: DetectorKitOptions = {}): DetectorKit {
  const kit: DetectorKit = {
    pii: ({ types, minConfidence }) => createPiiDetector({ types: [...types], tagger: opts.piiTagger, minConfidence }),
    secrets: () => createSecretsDetector(),
    invisibleText: () => createInvisibleTextDetector(),
    words: ({ words, managedLists }) => createWordsDetector({ words: [...words], managedLists: [...managedLists] }),
    outputHandling: ({ allowedLinkDomains, blockHtml }) =>
      createOutputDetector({ allowedHosts: allowedLinkDomains ? [...allowedLinkDomains] : [], html: blockHtml }),
    jsonSchema: ({ schema }) => createJsonSchemaCheck({ schema }),
  };
  if (opts.classifier) kit.classifier = opts.classifier;
  return kit;
}
