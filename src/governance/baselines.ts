/**
 * Baselines: the controls an application must have, derived from its Scoping Matrix classification. Kept as data so
 * an organisation can read, extend or re-mode them (config `governance.baselines`); the shipped defaults follow the
 * guidance of the Generative AI Security Scoping Matrix and the OWASP Top 10 for LLM Applications (2025).
 */
import { z } from 'zod';
import { CONTENT_FILTER_TYPES } from '../guardrails/schema.js';
import { classRank, CRITICALITIES, DATA_CLASSES, EXPOSURES, LOGGING_MODES } from './constants.js';
import type { Application } from './types.js';

const strength = z.enum(['LOW', 'MEDIUM', 'HIGH']);

export const ControlSchema = z.discriminatedUnion('kind', [
  /** A content filter of the type at this strength or stronger, enforcing (not shadow), in that direction. */
  z.object({ kind: z.literal('contentFilter'), type: z.enum(CONTENT_FILTER_TYPES), direction: z.enum(['input', 'output']), minStrength: strength }).strict(),
  /** At least one PII entity anonymised (or blocked) in that direction. */
  z.object({ kind: z.literal('piiProtection'), direction: z.enum(['input', 'output']) }).strict(),
  /** Secret scanning (API keys, tokens) enabled. */
  z.object({ kind: z.literal('secretScanning') }).strict(),
  /** Links and markdown images in answers restricted to an allowlist of domains (exfiltration through URLs). */
  z.object({ kind: z.literal('linkAllowlist') }).strict(),
  /** The invocation log keeps prompts in one of these modes. */
  z.object({ kind: z.literal('loggingMode'), oneOf: z.array(z.enum(LOGGING_MODES)).min(1) }).strict(),
  /** Every model the application uses is cleared for its data classification. */
  z.object({ kind: z.literal('modelCleared') }).strict(),
  /** A fine-tuned model used carries its training data's classification: the application must be cleared for it. */
  z.object({ kind: z.literal('trainingDataCleared') }).strict(),
  /** At least one fallback deployment. */
  z.object({ kind: z.literal('fallback') }).strict(),
  /** The regions the application's data may reach are declared. */
  z.object({ kind: z.literal('regionsDeclared') }).strict(),
  /** Request or token limits are set (unbounded consumption). */
  z.object({ kind: z.literal('limits') }).strict(),
]);
export type Control = z.infer<typeof ControlSchema>;

export const BaselineRuleSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lowercase letters, digits and -'),
    title: z.string().min(1).max(200),
    /** Where the rule comes from, for auditors. */
    rationale: z.string().max(1000),
    /** warn: reported in the posture; block: a non-compliant application's calls are refused. */
    mode: z.enum(['warn', 'block']),
    /** All given conditions must hold for the rule to apply. */
    when: z
      .object({
        minScope: z.number().int().min(1).max(5).optional(),
        exposure: z.enum(EXPOSURES).optional(),
        minClassification: z.enum(DATA_CLASSES).optional(),
        criticality: z.array(z.enum(CRITICALITIES)).min(1).optional(),
      })
      .strict(),
    require: z.array(ControlSchema).min(1),
    /** OWASP Top 10 for LLM Applications (2025) items the rule addresses, e.g. LLM01. */
    owasp: z.array(z.string().regex(/^LLM(0[1-9]|10)$/)).default([]),
  })
  .strict();
export type BaselineRule = z.infer<typeof BaselineRuleSchema>;

export const BASELINE_RULES: BaselineRule[] = [
  {
    id: 'prompt-attack-filter',
    title: 'Scope 3 and up: prompt-attack filter at MEDIUM or stronger',
    rationale: 'Applications that build on a model (scopes 3-5) own their prompt layer; prompt injection is LLM01.',
    mode: 'block',
    when: { minScope: 3 },
    require: [{ kind: 'contentFilter', type: 'PROMPT_ATTACK', direction: 'input', minStrength: 'MEDIUM' }],
    owasp: ['LLM01'],
  },
  {
    id: 'consumer-output-filters',
    title: 'Consumer-facing: output content filters',
    rationale: 'Answers reach the public: hateful or insulting output is filtered before it leaves (LLM05 improper output handling). ' +
      'LOW is the floor: the guidance asks for the filter, and the shipped default tunes output strength for precision.',
    mode: 'block',
    when: { exposure: 'consumer-facing' },
    require: [
      { kind: 'contentFilter', type: 'HATE', direction: 'output', minStrength: 'LOW' },
      { kind: 'contentFilter', type: 'INSULTS', direction: 'output', minStrength: 'LOW' },
    ],
    owasp: ['LLM05'],
  },
  {
    id: 'consumer-pii-anonymisation',
    title: 'Consumer-facing: PII anonymisation',
    rationale: 'Personal data must not be disclosed to the public through answers (LLM02 sensitive information disclosure).',
    mode: 'block',
    when: { exposure: 'consumer-facing' },
    require: [{ kind: 'piiProtection', direction: 'output' }],
    owasp: ['LLM02'],
  },
  {
    id: 'consumer-link-allowlist',
    title: 'Consumer-facing: links and images only to allowed domains',
    rationale: 'Markdown images and links can carry data out to an attacker\'s server (LLM05, LLM02).',
    mode: 'warn',
    when: { exposure: 'consumer-facing' },
    require: [{ kind: 'linkAllowlist' }],
    owasp: ['LLM05', 'LLM02'],
  },
  {
    id: 'consumer-limits',
    title: 'Consumer-facing: request and token limits',
    rationale: 'Public traffic can run up unbounded cost (LLM10 unbounded consumption).',
    mode: 'warn',
    when: { exposure: 'consumer-facing' },
    require: [{ kind: 'limits' }],
    owasp: ['LLM10'],
  },
  {
    id: 'confidential-model-clearance',
    title: 'Confidential data only to models cleared for it',
    rationale: 'Data usage policy: a model receives only the classifications it was cleared for at approval (LLM02).',
    mode: 'block',
    when: { minClassification: 'confidential' },
    require: [{ kind: 'modelCleared' }],
    owasp: ['LLM02'],
  },
  {
    id: 'confidential-logging',
    title: 'Confidential data: invocation logs masked, encrypted or metadata-only',
    rationale: 'Logs must not become a second copy of confidential data (LLM02).',
    mode: 'block',
    when: { minClassification: 'confidential' },
    require: [{ kind: 'loggingMode', oneOf: ['masked', 'encrypted', 'metadata'] }],
    owasp: ['LLM02'],
  },
  {
    id: 'confidential-secrets',
    title: 'Confidential data: secret scanning on',
    rationale: 'Credentials pasted into prompts must not reach a model provider (LLM02).',
    mode: 'warn',
    when: { minClassification: 'confidential' },
    require: [{ kind: 'secretScanning' }],
    owasp: ['LLM02'],
  },
  {
    id: 'restricted-residency',
    title: 'Restricted data: allowed regions declared',
    rationale: 'Data residency: restricted data stays in the regions the data owner allows.',
    mode: 'block',
    when: { minClassification: 'restricted' },
    require: [{ kind: 'regionsDeclared' }],
    owasp: ['LLM02'],
  },
  {
    id: 'fine-tuned-training-data',
    title: 'Fine-tuned models carry their training data\'s classification',
    rationale: 'A fine-tuned or self-trained model can reveal its training data: only applications cleared for that class may use it (LLM02, LLM04).',
    mode: 'block',
    when: {},
    require: [{ kind: 'trainingDataCleared' }],
    owasp: ['LLM02', 'LLM04'],
  },
  {
    id: 'critical-fallback',
    title: 'Critical applications: a fallback deployment',
    rationale: 'Business continuity. Warn by default: refusing a critical application\'s calls for lack of a fallback would cause the outage the rule exists to prevent.',
    mode: 'warn',
    when: { criticality: ['critical'] },
    require: [{ kind: 'fallback' }],
    owasp: ['LLM10'],
  },
];

export const BaselinesConfigSchema = z
  .object({
    /** Replace the shipped rules (default: keep them). */
    rules: z.array(BaselineRuleSchema).optional(),
    /** Extra rules appended to the shipped (or replaced) ones. */
    extra: z.array(BaselineRuleSchema).default([]),
    /** Per-rule mode overrides by id. */
    modes: z.record(z.string(), z.enum(['warn', 'block'])).default({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    const ids = [...(c.rules ?? BASELINE_RULES), ...c.extra].map((r) => r.id);
    ids.forEach((id, i) => {
      if (ids.indexOf(id) !== i) ctx.addIssue({ code: 'custom', path: ['extra'], message: `duplicate rule id "${id}"` });
    });
    for (const id of Object.keys(c.modes)) {
      if (!ids.includes(id)) ctx.addIssue({ code: 'custom', path: ['modes', id], message: `unknown baseline rule "${id}"` });
    }
  });
export type BaselinesConfig = z.input<typeof BaselinesConfigSchema>;

/** The effective rule list for a config section (validated; throws with field paths). */
export function compileBaselines(cfg: BaselinesConfig = {}): BaselineRule[] {
  const c = BaselinesConfigSchema.parse(cfg);
  return [...(c.rules ?? BASELINE_RULES), ...c.extra].map((r) => ({ ...r, mode: c.modes[r.id] ?? r.mode }));
}

/** The rules that apply to an application, from its classification alone. */
export function applicableRules(app: Pick<Application, 'scope' | 'exposure' | 'dataClassification' | 'criticality'>, rules: readonly BaselineRule[] = BASELINE_RULES): BaselineRule[] {
  return rules.filter((r) => {
    const w = r.when;
    if (w.minScope !== undefined && app.scope < w.minScope) return false;
    if (w.exposure !== undefined && app.exposure !== w.exposure) return false;
    if (w.minClassification !== undefined && classRank(app.dataClassification) < classRank(w.minClassification)) return false;
    if (w.criticality !== undefined && !w.criticality.includes(app.criticality)) return false;
    return true;
  });
}
