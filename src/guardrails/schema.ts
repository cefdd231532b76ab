import { z } from 'zod';
import { re2 } from './re2.js';

/**
 * A guardrail definition in Bedrock's CreateGuardrail shape (so definitions can be moved between
 * Bedrock and Rampart unchanged), plus Rampart's own options under `rampart`. Only shape and local
 * consistency are checked here; compile.ts turns a valid definition into an evaluator.
 */

export const PII_ENTITY_TYPES = [
  'ADDRESS', 'AGE', 'AWS_ACCESS_KEY', 'AWS_SECRET_KEY', 'CA_HEALTH_NUMBER', 'CA_SOCIAL_INSURANCE_NUMBER',
  'CREDIT_DEBIT_CARD_CVV', 'CREDIT_DEBIT_CARD_EXPIRY', 'CREDIT_DEBIT_CARD_NUMBER', 'DRIVER_ID', 'EMAIL',
  'INTERNATIONAL_BANK_ACCOUNT_NUMBER', 'IP_ADDRESS', 'LICENSE_PLATE', 'MAC_ADDRESS', 'NAME', 'PASSWORD', 'PHONE',
  'PIN', 'SWIFT_CODE', 'UK_NATIONAL_HEALTH_SERVICE_NUMBER', 'UK_NATIONAL_INSURANCE_NUMBER',
  'UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER', 'URL', 'USERNAME', 'US_BANK_ACCOUNT_NUMBER', 'US_BANK_ROUTING_NUMBER',
  'US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER', 'US_PASSPORT_NUMBER', 'US_SOCIAL_SECURITY_NUMBER',
  'VEHICLE_IDENTIFICATION_NUMBER',
] as const;
export type PiiEntityType = (typeof PII_ENTITY_TYPES)[number];

export const CONTENT_FILTER_TYPES = ['HATE', 'INSULTS', 'SEXUAL', 'VIOLENCE', 'MISCONDUCT', 'PROMPT_ATTACK'] as const;
export type ContentFilterType = (typeof CONTENT_FILTER_TYPES)[number];

/** Names usable as keys of `rampart.onError`; one per detector family the engine runs. */
export const DETECTOR_IDS = [
  'content', 'topics', 'words', 'pii', 'regexes', 'grounding', 'secrets', 'invisibleText', 'promptLeak', 'outputHandling',
] as const;
export type DetectorId = (typeof DETECTOR_IDS)[number];

const strength = z.enum(['NONE', 'LOW', 'MEDIUM', 'HIGH']);
const blockOrNone = z.enum(['BLOCK', 'NONE']);
const sensitiveAction = z.enum(['BLOCK', 'ANONYMIZE', 'NONE']);
const text = (max: number) => z.string().min(1).max(max);

/** Per-direction switches shared by most Bedrock policy entries. */
const directional = <A extends z.ZodType>(action: A) => ({
  inputAction: action.optional(),
  outputAction: action.optional(),
  inputEnabled: z.boolean().optional(),
  outputEnabled: z.boolean().optional(),
});

const ContentFilterSchema = z
  .object({
    type: z.enum(CONTENT_FILTER_TYPES),
    inputStrength: strength,
    outputStrength: strength,
    inputModalities: z.array(z.enum(['TEXT', 'IMAGE'])).optional(),
    outputModalities: z.array(z.enum(['TEXT', 'IMAGE'])).optional(),
    ...directional(blockOrNone),
  })
  .strict();

const TopicSchema = z
  .object({
    name: z.string().regex(/^[0-9a-zA-Z\-_ !?.]{1,100}$/, 'letters, digits, spaces and - _ ! ? . only (max 100)'),
    definition: text(1000),
    examples: z.array(text(100)).max(5).optional(),
    type: z.literal('DENY'),
    ...directional(blockOrNone),
  })
  .strict();

const WordSchema = z.object({ text: text(100), ...directional(blockOrNone) }).strict();
const ManagedWordsSchema = z.object({ type: z.literal('PROFANITY'), ...directional(blockOrNone) }).strict();

const PiiEntitySchema = z
  .object({ type: z.enum(PII_ENTITY_TYPES), action: sensitiveAction, ...directional(sensitiveAction) })
  .strict();

/** User patterns run only in re2js (linear time); a pattern re2js cannot compile is refused here. */
const RegexSchema = z
  .object({
    name: text(100),
    description: z.string().max(1000).optional(),
    pattern: text(500).superRefine((p, ctx) => {
      try {
        re2().compile(p);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: `not a valid RE2 pattern: ${(err as Error).message}` });
      }
    }),
    action: sensitiveAction,
    ...directional(sensitiveAction),
  })
  .strict();

const GroundingFilterSchema = z
  .object({
    type: z.enum(['GROUNDING', 'RELEVANCE']),
    threshold: z.number().min(0, 'threshold must be between 0 and 0.99').max(0.99, 'threshold must be between 0 and 0.99'),
    action: blockOrNone.optional(),
    enabled: z.boolean().optional(),
  })
  .strict();

const onErrorMode = z.enum(['block', 'allow']);
const OnErrorMapSchema = z
  .object({ default: onErrorMode.optional(), ...Object.fromEntries(DETECTOR_IDS.map((d) => [d, onErrorMode.optional()])) })
  .strict() as z.ZodType<Partial<Record<DetectorId | 'default', 'block' | 'allow'>>>;

export const RampartExtensionsSchema = z
  .object({
    /** shadow: evaluate and record, never block or rewrite. */
    mode: z.enum(['enforce', 'shadow']).default('enforce'),
    /** What a detector error (throw or time budget exceeded) means; fail closed by default. */
    onError: z.union([onErrorMode, OnErrorMapSchema]).default('block'),
    /** Budget per detector call; a slower scan counts as an error (detectors are synchronous). */
    detectorBudgetMs: z.number().int().min(1).max(10_000).default(1000),
    secrets: z.object({ action: z.enum(['BLOCK', 'ANONYMIZE']).default('BLOCK'), enabled: z.boolean().default(true) }).strict().optional(),
    invisibleText: z.object({ action: z.enum(['BLOCK', 'ANONYMIZE']).default('BLOCK'), enabled: z.boolean().default(true) }).strict().optional(),
    promptLeak: z
      .object({
        canary: z.boolean().default(false),
        /** Share of the system prompt's 5-word shingles found in an answer that counts as a leak. */
        overlapThreshold: z.number().gt(0).max(1).default(0.5),
      })
      .strict()
      .optional(),
    outputHandling: z
      .object({
        allowedLinkDomains: z.array(z.string().min(1).max(253)).optional(),
        blockHtml: z.boolean().default(false),
        jsonSchema: z.record(z.string(), z.unknown()).optional(),
      })
      .strict()
      .optional(),
    anonymization: z.object({ reversible: z.boolean().default(false) }).strict().optional(),
    /**
     * Which input texts PROMPT_ATTACK scores. user (default): the user's messages and tool results,
     * not the developer's system prompt or the model's earlier turns, as Bedrock evaluates prompt
     * attacks on user input only (a system prompt reads like one). all: every text.
     */
    promptAttack: z.object({ scope: z.enum(['user', 'all']).default('user') }).strict().optional(),
    /**
     * The least confidence at which a PII finding is acted on (masked or blocked). Pattern findings
     * are MEDIUM or HIGH; the NAME/ADDRESS tagger's spans carry a calibrated score (MEDIUM from 0.5,
     * HIGH from 0.8), and its quality figures are measured at MEDIUM. LOW also masks the tagger's
     * doubtful spans ("the March invoices"); HIGH keeps only the surest.
     */
    pii: z.object({ minConfidence: z.enum(['LOW', 'MEDIUM', 'HIGH']).default('MEDIUM') }).strict().optional(),
    streaming: z
      .object({
        mode: z.enum(['sync', 'async']).default('sync'),
        /** Text held back in sync mode; an entity shorter than this is always seen whole. */
        windowChars: z.number().int().min(16).max(8192).default(256),
      })
      .strict()
      .optional(),
  })
  .strict();

export const GuardrailDefinitionSchema = z
  .object({
    name: z.string().regex(/^[0-9a-zA-Z\-_]{1,50}$/, 'letters, digits, - and _ only (max 50)'),
    description: z.string().max(200).optional(),
    blockedInputMessaging: text(500),
    blockedOutputsMessaging: text(500),
    contentPolicyConfig: z.object({ filtersConfig: z.array(ContentFilterSchema).min(1).max(6) }).strict().optional(),
    topicPolicyConfig: z.object({ topicsConfig: z.array(TopicSchema).min(1).max(30) }).strict().optional(),
    wordPolicyConfig: z
      .object({ wordsConfig: z.array(WordSchema).max(10_000).optional(), managedWordListsConfig: z.array(ManagedWordsSchema).max(1).optional() })
      .strict()
      .optional(),
    sensitiveInformationPolicyConfig: z
      .object({ piiEntitiesConfig: z.array(PiiEntitySchema).optional(), regexesConfig: z.array(RegexSchema).max(10).optional() })
      .strict()
      .optional(),
    contextualGroundingPolicyConfig: z.object({ filtersConfig: z.array(GroundingFilterSchema).min(1).max(2) }).strict().optional(),
    rampart: RampartExtensionsSchema.default(() => RampartExtensionsSchema.parse({})),
  })
  .strict()
  .superRefine((def, ctx) => {
    const dup = <T>(items: T[] | undefined, key: (t: T) => string, path: (string | number)[], what: string) => {
      const seen = new Set<string>();
      items?.forEach((it, i) => {
        const k = key(it);
        if (seen.has(k)) ctx.addIssue({ code: 'custom', path: [...path, i], message: `duplicate ${what} "${k}"` });
        seen.add(k);
      });
    };
    dup(def.contentPolicyConfig?.filtersConfig, (f) => f.type, ['contentPolicyConfig', 'filtersConfig'], 'content filter');
    dup(def.topicPolicyConfig?.topicsConfig, (t) => t.name.toLowerCase(), ['topicPolicyConfig', 'topicsConfig'], 'topic');
    dup(def.sensitiveInformationPolicyConfig?.piiEntitiesConfig, (p) => p.type, ['sensitiveInformationPolicyConfig', 'piiEntitiesConfig'], 'PII type');
    dup(def.contextualGroundingPolicyConfig?.filtersConfig, (g) => g.type, ['contextualGroundingPolicyConfig', 'filtersConfig'], 'grounding filter');
    // Bedrock: PROMPT_ATTACK applies to input only, so its output strength must be NONE.
    def.contentPolicyConfig?.filtersConfig.forEach((f, i) => {
      if (f.type === 'PROMPT_ATTACK' && f.outputStrength !== 'NONE')
        ctx.addIssue({ code: 'custom', path: ['contentPolicyConfig', 'filtersConfig', i, 'outputStrength'], message: 'PROMPT_ATTACK output strength must be NONE' });
    });
  });

export type GuardrailDefinitionInput = z.input<typeof GuardrailDefinitionSchema>;
export type GuardrailDefinition = z.output<typeof GuardrailDefinitionSchema>;
export type RampartExtensions = GuardrailDefinition['rampart'];

export class GuardrailConfigError extends Error {
  constructor(readonly issues: Array<{ path: string; message: string }>) {
    super(issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; '));
    this.name = 'GuardrailConfigError';
  }
}

/** `contentPolicyConfig.filtersConfig[0].inputStrength` style paths, as the config errors print them. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

/** Parses a definition or throws GuardrailConfigError listing every bad field with its path. */
export function parseGuardrailDefinition(raw: unknown, basePath = ''): GuardrailDefinition {
  const r = GuardrailDefinitionSchema.safeParse(raw);
  if (r.success) return r.data;
  throw new GuardrailConfigError(
    r.error.issues.map((i) => {
      const p = formatPath(i.path);
      return { path: basePath && p ? basePath + (p.startsWith('[') ? p : `.${p}`) : basePath || p, message: i.message };
    }),
  );
}
