/**
 * The contract every guardrail detector implements. Detectors are pure and synchronous: text in,
 * findings out. They are created by factories that validate their options at config load.
 */

export type TextSource = 'INPUT' | 'OUTPUT';

/** Bedrock's confidence scale; a filter strength blocks findings at or above a confidence. */
export type Confidence = 'NONE' | 'LOW' | 'MEDIUM' | 'HIGH';
export type Strength = 'NONE' | 'LOW' | 'MEDIUM' | 'HIGH';

/**
 * Bedrock's direction: LOW strength blocks only HIGH-confidence hits, MEDIUM blocks MEDIUM and
 * HIGH, HIGH blocks LOW, MEDIUM and HIGH. NONE blocks nothing.
 */
/** Confidences (and strengths, which share the names) in order. */
export const CONFIDENCE_RANK: Readonly<Record<Confidence, number>> = { NONE: 0, LOW: 1, MEDIUM: 2, HIGH: 3 };

export function strengthBlocks(strength: Strength, confidence: Confidence): boolean {
  if (strength === 'NONE' || confidence === 'NONE') return false;
  return CONFIDENCE_RANK[confidence] >= 4 - CONFIDENCE_RANK[strength];
}

export interface Finding {
  /** Detector that produced it, e.g. `pii`, `secrets`, `prompt-attack`. */
  detector: string;
  /** Bedrock type where one exists (EMAIL, PROMPT_ATTACK, HATE, ...), else a Rampart type (AWS_ACCESS_KEY, ...). */
  type: string;
  /** Character offsets (UTF-16, as JS strings) of the match in the scanned text, when it has a place. */
  start?: number;
  end?: number;
  confidence: Confidence;
  /** Raw score in [0, 1] for classifiers. */
  score?: number;
}

export interface Detector {
  readonly name: string;
  scan(text: string, source: TextSource): Finding[];
}

/** A trained binary text classifier: probability that `text` is positive. */
export interface Classifier {
  readonly name: string;
  score(text: string): number;
}
