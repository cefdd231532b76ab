import type { Classifier, Detector, Finding, TextSource } from './types.js';
import type { ClassifierName, DetectorKit } from './compile.js';

/**
 * Tiny stand-in detectors for the guardrail engine's own tests. They are deliberately simple
 * (a few fixed patterns and keywords) so a test states exactly what is found; the real detectors
 * live in src/guardrails/detectors/ and have their own suites.
 */

function regexDetector(name: string, rules: Array<{ type: string; re: RegExp }>): Detector {
  return {
    name,
    scan(text: string, _source: TextSource): Finding[] {
      const out: Finding[] = [];
      for (const r of rules) {
        for (const m of text.matchAll(r.re)) out.push({ detector: name, type: r.type, start: m.index, end: m.index + m[0].length, confidence: 'HIGH' });
      }
      return out;
    },
  };
}

export interface StandInOptions {
  /** Classifier scores by keyword: the highest score of a keyword present, else 0.01. */
  classifierKeywords?: Partial<Record<ClassifierName, Array<[keyword: string, score: number]>>>;
  /** Make this detector family throw on every scan. */
  throwing?: 'pii' | 'secrets' | 'classifier';
}

export function standInKit(opts: StandInOptions = {}): DetectorKit {
  const kw: StandInOptions['classifierKeywords'] = {
    'prompt-attack': [['ignore previous instructions', 0.99]],
    toxicity: [['idiot', 0.95], ['stupid', 0.75], ['meh', 0.55]],
    insults: [['idiot', 0.95], ['stupid', 0.75], ['meh', 0.55]],
    'harmful-intent': [['build a weapon', 0.92]],
    ...opts.classifierKeywords,
  };
  const boom = (): never => {
    throw new Error('stand-in detector failure');
  };
  return {
    pii: ({ types }) => {
      const d = regexDetector('pii', [
        { type: 'EMAIL', re: /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g },
        { type: 'US_SOCIAL_SECURITY_NUMBER', re: /\b\d{3}-\d{2}-\d{4}\b/g },
        { type: 'PHONE', re: /\b\d{3}[ .-]\d{3}[ .-]\d{4}\b/g },
      ]);
      return { name: 'pii', scan: (t, s) => (opts.throwing === 'pii' ? boom() : d.scan(t, s).filter((f) => types.includes(f.type as never))) };
    },
    secrets: () => {
      const d = regexDetector('secrets', [{ type: 'AWS_ACCESS_KEY', re: /\bAKIA[0-9A-Z]{16}\b/g }]);
      return { name: 'secrets', scan: (t, s) => (opts.throwing === 'secrets' ? boom() : d.scan(t, s)) };
    },
    invisibleText: () => regexDetector('invisibleText', [{ type: 'INVISIBLE_TEXT', re: /[\u200B-\u200F\u2060-\u2064\uFEFF]/g }]),
    words: ({ words, managedLists }) => {
      const rules = words.map((w) => ({ type: 'CUSTOM_WORD', re: new RegExp(`\\b${w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'gi') }));
      if (managedLists.includes('PROFANITY')) rules.push({ type: 'PROFANITY', re: /\bdarn\b/gi });
      return regexDetector('words', rules);
    },
    outputHandling: ({ blockHtml }) => {
      if (!blockHtml) return regexDetector('outputHandling', []);
      return regexDetector('outputHandling', [{ type: 'HTML', re: /<script\b/gi }]);
    },
    jsonSchema: ({ schema }) => ({
      name: 'json-schema',
      scan(text: string): Finding[] {
        let doc: unknown;
        try {
          doc = JSON.parse(text);
        } catch {
          return [{ detector: 'json-schema', type: 'JSON_INVALID', confidence: 'HIGH' }];
        }
        const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
        const ok = typeof doc === 'object' && doc !== null && required.every((k) => k in doc);
        return ok ? [] : [{ detector: 'json-schema', type: 'JSON_SCHEMA_MISMATCH', confidence: 'HIGH' }];
      },
    }),
    classifier: (name): Classifier => ({
      name,
      score(text: string): number {
        if (opts.throwing === 'classifier') boom();
        let s = 0.01;
        for (const [k, v] of kw[name] ?? []) if (text.toLowerCase().includes(k)) s = Math.max(s, v);
        return s;
      },
    }),
  };
}
