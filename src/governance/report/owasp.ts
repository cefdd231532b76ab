/**
 * The OWASP Top 10 for LLM Applications (2025), mapped to the controls a Rampart deployment has configured. Items a
 * gateway cannot fully address (training pipelines, vector stores, agent design) say so rather than claim coverage.
 */
import type { GuardrailDefinition } from '../../guardrails/schema.js';

export interface ControlFacts {
  promptAttack: boolean;
  invisibleText: boolean;
  deniedTopics: boolean;
  pii: boolean;
  secrets: boolean;
  promptLeak: boolean;
  linkAllowlist: boolean;
  htmlBlocked: boolean;
  jsonSchema: boolean;
  outputContent: boolean;
  grounding: boolean;
  rateLimits: boolean;
  modelApprovals: boolean;
  trainingDataClassified: boolean;
  protectedLogging: boolean;
  residency: boolean;
  authorization: boolean;
}

export type Reach = 'gateway' | 'partial' | 'outside';

export interface OwaspItem {
  id: string;
  name: string;
  reach: Reach;
  controls: Array<{ name: string; configured: boolean }>;
  /** What lies beyond a gateway for this item. */
  outside: string;
}

const ITEMS: Array<{ id: string; name: string; reach: Reach; controls: Array<[string, keyof ControlFacts]>; outside: string }> = [
  { id: 'LLM01', name: 'Prompt Injection', reach: 'partial', outside: 'Indirect injection inside tool results and retrieved documents the gateway never sees.',
    controls: [['PROMPT_ATTACK filter', 'promptAttack'], ['Invisible/hidden text blocking', 'invisibleText'], ['Denied topics', 'deniedTopics']] },
  { id: 'LLM02', name: 'Sensitive Information Disclosure', reach: 'gateway', outside: 'Data already inside a provider\'s training set.',
    controls: [['PII anonymisation', 'pii'], ['Secret scanning', 'secrets'], ['Masked/encrypted invocation logs', 'protectedLogging'], ['Data residency', 'residency']] },
  { id: 'LLM03', name: 'Supply Chain', reach: 'partial', outside: 'Integrity of model weights, libraries and plugins on the provider side.',
    controls: [['Model catalog with approvals (legal, procurement, security)', 'modelApprovals']] },
  { id: 'LLM04', name: 'Data and Model Poisoning', reach: 'outside', outside: 'Training and fine-tuning pipelines; the gateway only records training-data classification.',
    controls: [['Training data classification of fine-tuned models', 'trainingDataClassified']] },
  { id: 'LLM05', name: 'Improper Output Handling', reach: 'partial', outside: 'How the calling application renders or executes the answer.',
    controls: [['Link/image domain allowlist', 'linkAllowlist'], ['HTML blocking', 'htmlBlocked'], ['JSON schema validation', 'jsonSchema'], ['Output content filters', 'outputContent']] },
  { id: 'LLM06', name: 'Excessive Agency', reach: 'partial', outside: 'Which tools an agent may call and with what permissions is decided in the agent.',
    controls: [['Cedar authorization per principal and model', 'authorization'], ['Rate limits and budgets', 'rateLimits']] },
  { id: 'LLM07', name: 'System Prompt Leakage', reach: 'gateway', outside: 'Secrets placed in system prompts remain a design error.',
    controls: [['Prompt-leak detection / canary', 'promptLeak']] },
  { id: 'LLM08', name: 'Vector and Embedding Weaknesses', reach: 'outside', outside: 'Vector stores and retrieval access control live in the application.',
    controls: [['Authorization of embedding calls', 'authorization']] },
  { id: 'LLM09', name: 'Misinformation', reach: 'partial', outside: 'Human review and source verification.',
    controls: [['Contextual grounding check', 'grounding']] },
  { id: 'LLM10', name: 'Unbounded Consumption', reach: 'gateway', outside: 'Provider-side quotas.',
    controls: [['Rate limits, token limits and budgets', 'rateLimits']] },
];

export function owaspMap(facts: ControlFacts): OwaspItem[] {
  return ITEMS.map((i) => ({ id: i.id, name: i.name, reach: i.reach, outside: i.outside, controls: i.controls.map(([name, k]) => ({ name, configured: facts[k] })) }));
}

export const OWASP_NAMES: Record<string, string> = Object.fromEntries(ITEMS.map((i) => [i.id, i.name]));

/** Which guardrail-based controls any of these (enforcing) definitions configure. */
export function guardrailFacts(defs: readonly GuardrailDefinition[]): Pick<ControlFacts,
  'promptAttack' | 'invisibleText' | 'deniedTopics' | 'pii' | 'secrets' | 'promptLeak' | 'linkAllowlist' | 'htmlBlocked' | 'jsonSchema' | 'outputContent' | 'grounding'> {
  const someGuardrail = (f: (d: GuardrailDefinition) => boolean) => defs.some(f);
  const filters = (d: GuardrailDefinition) => d.contentPolicyConfig?.filtersConfig ?? [];
  return {
    promptAttack: someGuardrail((d) => filters(d).some((f) => f.type === 'PROMPT_ATTACK' && f.inputStrength !== 'NONE')),
    invisibleText: someGuardrail((d) => d.rampart.invisibleText?.enabled === true),
    deniedTopics: someGuardrail((d) => (d.topicPolicyConfig?.topicsConfig.length ?? 0) > 0),
    pii: someGuardrail((d) => (d.sensitiveInformationPolicyConfig?.piiEntitiesConfig ?? []).some((e) => e.action !== 'NONE')),
    secrets: someGuardrail((d) => d.rampart.secrets?.enabled === true),
    promptLeak: someGuardrail((d) => d.rampart.promptLeak !== undefined),
    linkAllowlist: someGuardrail((d) => d.rampart.outputHandling?.allowedLinkDomains !== undefined),
    htmlBlocked: someGuardrail((d) => d.rampart.outputHandling?.blockHtml === true),
    jsonSchema: someGuardrail((d) => d.rampart.outputHandling?.jsonSchema !== undefined),
    outputContent: someGuardrail((d) => filters(d).some((f) => f.type !== 'PROMPT_ATTACK' && f.outputStrength !== 'NONE')),
    grounding: someGuardrail((d) => d.contextualGroundingPolicyConfig !== undefined),
  };
}
