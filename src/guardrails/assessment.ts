import type { Confidence, Strength } from './types.js';

/**
 * Bedrock's GuardrailAssessment wire shape (from @aws-sdk/client-bedrock-runtime), plus
 * `rampartPolicy` for checks Bedrock does not have. The same object answers ApplyGuardrail, goes
 * into Bedrock traces, and (redacted) into the audit record.
 */

export type PolicyAction = 'BLOCKED' | 'ANONYMIZED' | 'NONE';
type BlockedOrNone = 'BLOCKED' | 'NONE';

export interface GuardrailUsage {
  topicPolicyUnits: number;
  contentPolicyUnits: number;
  wordPolicyUnits: number;
  sensitiveInformationPolicyUnits: number;
  sensitiveInformationPolicyFreeUnits: number;
  contextualGroundingPolicyUnits: number;
}

export interface GuardrailCoverage {
  textCharacters: { guarded: number; total: number };
}

export interface RampartPolicyFinding {
  detector: string;
  type: string;
  confidence: Confidence;
  action: PolicyAction;
  detected: boolean;
}

export interface GuardrailAssessment {
  topicPolicy?: { topics: Array<{ name: string; type: 'DENY'; action: BlockedOrNone; detected: boolean }> };
  contentPolicy?: {
    filters: Array<{ type: string; confidence: Confidence; filterStrength: Strength; action: BlockedOrNone; detected: boolean }>;
  };
  wordPolicy?: {
    customWords: Array<{ match: string; action: BlockedOrNone; detected: boolean }>;
    managedWordLists: Array<{ match: string; type: 'PROFANITY'; action: BlockedOrNone; detected: boolean }>;
  };
  sensitiveInformationPolicy?: {
    piiEntities: Array<{ match: string; type: string; action: PolicyAction; detected: boolean }>;
    regexes: Array<{ name: string; match: string; regex: string; action: PolicyAction; detected: boolean }>;
  };
  contextualGroundingPolicy?: {
    filters: Array<{ type: 'GROUNDING' | 'RELEVANCE'; threshold: number; score: number; action: BlockedOrNone; detected: boolean }>;
  };
  invocationMetrics?: { guardrailProcessingLatency: number; usage: GuardrailUsage; guardrailCoverage: GuardrailCoverage };
  /** Rampart's own checks (secrets, invisible text, prompt leak, output handling) and detector failures. */
  rampartPolicy?: {
    findings: RampartPolicyFinding[];
    errors: Array<{ detector: string; onError: 'block' | 'allow'; reason: string }>;
    mode: 'enforce' | 'shadow';
  };
}

/**
 * A copy without the matched values, for logs and the audit trail (no PII or secrets at rest);
 * the match becomes `[REDACTED:<length>]` so reviewers still see that something matched.
 */
export function redactAssessment(a: GuardrailAssessment): GuardrailAssessment {
  const red = (m: string) => `[REDACTED:${m.length}]`;
  const out: GuardrailAssessment = { ...a };
  if (a.wordPolicy)
    out.wordPolicy = {
      customWords: a.wordPolicy.customWords.map((w) => ({ ...w, match: red(w.match) })),
      managedWordLists: a.wordPolicy.managedWordLists.map((w) => ({ ...w, match: red(w.match) })),
    };
  if (a.sensitiveInformationPolicy)
    out.sensitiveInformationPolicy = {
      piiEntities: a.sensitiveInformationPolicy.piiEntities.map((p) => ({ ...p, match: red(p.match) })),
      regexes: a.sensitiveInformationPolicy.regexes.map((r) => ({ ...r, match: red(r.match) })),
    };
  return out;
}

/** Keeps only entries that acted (Bedrock's outputScope INTERVENTIONS). */
export function interventionsOnly(a: GuardrailAssessment): GuardrailAssessment {
  const acted = <T extends { action: string }>(xs: T[]) => xs.filter((x) => x.action !== 'NONE');
  const out: GuardrailAssessment = { ...a };
  if (a.topicPolicy) out.topicPolicy = { topics: acted(a.topicPolicy.topics) };
  if (a.contentPolicy) out.contentPolicy = { filters: acted(a.contentPolicy.filters) };
  if (a.wordPolicy) out.wordPolicy = { customWords: acted(a.wordPolicy.customWords), managedWordLists: acted(a.wordPolicy.managedWordLists) };
  if (a.sensitiveInformationPolicy)
    out.sensitiveInformationPolicy = {
      piiEntities: acted(a.sensitiveInformationPolicy.piiEntities),
      regexes: acted(a.sensitiveInformationPolicy.regexes),
    };
  if (a.contextualGroundingPolicy) out.contextualGroundingPolicy = { filters: acted(a.contextualGroundingPolicy.filters) };
  if (a.rampartPolicy) out.rampartPolicy = { ...a.rampartPolicy, findings: acted(a.rampartPolicy.findings) };
  return out;
}
