import { z } from 'zod';
import type { Principal } from '../identity/types.js';
import { compileGuardrail, type CompiledGuardrail, type DetectorKit } from './compile.js';
import { GuardrailConfigError, parseGuardrailDefinition, PII_ENTITY_TYPES, type GuardrailDefinitionInput } from './schema.js';
import { DRAFT } from './registry.js';
import type { GuardrailRef } from './stages.js';

/**
 * The `guardrails:` section of rampart.yaml: definitions in Bedrock's CreateGuardrail shape, and
 * where the operator attaches them. Every request gets the guardrails attached to `all`, to each
 * of its principal's roles, to its application and to its key; a client may add one, never remove
 * one. Config guardrails are read-only: their DRAFT and version "1" are the definition.
 */

export const BUILTIN_DEFAULT_ID = 'rampart-default';

const ref = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}(:(DRAFT|[1-9][0-9]{0,5}))?$/, 'a guardrail reference: id or id:version');
const refs = z.array(ref);

export const GuardrailsConfigSchema = z
  .object({
    /** Each entry: `id` plus a Bedrock CreateGuardrail body (validated with field paths at load). */
    definitions: z.array(z.object({ id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'letters, digits, - and _ (max 64)') }).passthrough()).default([]),
    attach: z
      .object({
        /** Applied to every model call. Default: the built-in `rampart-default` guardrail. */
        all: refs.default([BUILTIN_DEFAULT_ID]),
        roles: z.record(z.string(), refs).default({}),
        applications: z.record(z.string(), refs).default({}),
        teams: z.record(z.string(), refs).default({}),
        keys: z.record(z.string(), refs).default({}),
      })
      .strict()
      .default({ all: [BUILTIN_DEFAULT_ID], roles: {}, applications: {}, teams: {}, keys: {} }),
  })
  .strict();

export type GuardrailsConfig = z.infer<typeof GuardrailsConfigSchema>;

/**
 * The built-in default: prompt attacks at MEDIUM, hate and insults at LOW, violence and misconduct at
 * LOW on input only (the harmful-intent model is trained on requests), secrets and hidden
 * text blocked, government and financial identifiers anonymised, unknown-domain markdown images
 * and links flagged on output. Every figure in docs/performance.md "default guardrail" uses it.
 */
export function builtinDefault(): GuardrailDefinitionInput {
  const anonymize = new Set<string>([
    'CREDIT_DEBIT_CARD_NUMBER', 'CREDIT_DEBIT_CARD_CVV', 'CREDIT_DEBIT_CARD_EXPIRY', 'US_SOCIAL_SECURITY_NUMBER',
    'US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER', 'US_PASSPORT_NUMBER', 'US_BANK_ACCOUNT_NUMBER', 'US_BANK_ROUTING_NUMBER',
    'INTERNATIONAL_BANK_ACCOUNT_NUMBER', 'SWIFT_CODE', 'UK_NATIONAL_INSURANCE_NUMBER', 'UK_NATIONAL_HEALTH_SERVICE_NUMBER',
    'UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER', 'CA_SOCIAL_INSURANCE_NUMBER', 'CA_HEALTH_NUMBER', 'AWS_ACCESS_KEY',
    'AWS_SECRET_KEY', 'PASSWORD', 'PIN',
  ]);
  return {
    name: BUILTIN_DEFAULT_ID,
    description: 'Rampart built-in default guardrail',
    blockedInputMessaging: 'Sorry, this request was blocked by the organisation\'s AI usage policy.',
    blockedOutputsMessaging: 'Sorry, the model\'s answer was blocked by the organisation\'s AI usage policy.',
    contentPolicyConfig: {
      filtersConfig: [
        { type: 'PROMPT_ATTACK', inputStrength: 'MEDIUM', outputStrength: 'NONE' },
        // The toxicity model is trained on tweets; at LOW (high-confidence hits only) it blocks ~1% of
        // ordinary prompts instead of ~2.3% at MEDIUM (docs/guardrails-quality.md).
        { type: 'HATE', inputStrength: 'LOW', outputStrength: 'LOW' },
        { type: 'INSULTS', inputStrength: 'LOW', outputStrength: 'LOW' },
        // The harmful-intent model is trained on requests, not on answers: input only.
        { type: 'VIOLENCE', inputStrength: 'LOW', outputStrength: 'NONE' },
        { type: 'MISCONDUCT', inputStrength: 'LOW', outputStrength: 'NONE' },
      ],
    },
    sensitiveInformationPolicyConfig: {
      piiEntitiesConfig: PII_ENTITY_TYPES.map((type) => ({ type, action: anonymize.has(type) ? 'ANONYMIZE' : 'NONE' })),
    },
    rampart: {
      secrets: { action: 'BLOCK', enabled: true },
      invisibleText: { action: 'BLOCK', enabled: true },
      outputHandling: { allowedLinkDomains: [], blockHtml: false },
    },
  } as GuardrailDefinitionInput;
}

/** One config's guardrails, compiled at load (a bad definition refuses the config, with its path). */
export class GuardrailSet {
  private readonly compiled = new Map<string, CompiledGuardrail>();
  readonly attach: GuardrailsConfig['attach'];

  constructor(cfg: GuardrailsConfig, kit: DetectorKit) {
    this.attach = cfg.attach;
    const add = (id: string, raw: unknown, path: string) => {
      if (this.compiled.has(`${id}\u0000${DRAFT}`)) throw new GuardrailConfigError([{ path: `${path}.id`, message: `duplicate guardrail id "${id}"` }]);
      const def = parseGuardrailDefinition(raw, path);
      let g: CompiledGuardrail;
      try {
        g = compileGuardrail(def, { id, version: '1', kit });
      } catch (err) {
        if (err instanceof GuardrailConfigError) throw new GuardrailConfigError(err.issues.map((i) => ({ ...i, path: i.path ? `${path}.${i.path}` : path })));
        throw err;
      }
      this.compiled.set(`${id}\u0000${DRAFT}`, g);
      this.compiled.set(`${id}\u00001`, g);
    };
    cfg.definitions.forEach((d, i) => {
      const { id, ...raw } = d;
      add(id, raw, `guardrails.definitions[${i}]`);
    });
    if (!this.compiled.has(`${BUILTIN_DEFAULT_ID}\u0000${DRAFT}`)) add(BUILTIN_DEFAULT_ID, builtinDefault(), 'guardrails.builtin');
    // Every attachment must name a guardrail that exists: a typo must not silently unguard traffic.
    const check = (list: readonly string[], path: string) =>
      list.forEach((r, i) => {
        const [id, version = DRAFT] = r.split(':');
        if (!this.compiled.has(`${id}\u0000${version}`)) throw new GuardrailConfigError([{ path: `${path}[${i}]`, message: `unknown guardrail "${r}"` }]);
      });
    check(cfg.attach.all, 'guardrails.attach.all');
    for (const [k, v] of Object.entries(cfg.attach.roles)) check(v, `guardrails.attach.roles.${k}`);
    for (const [k, v] of Object.entries(cfg.attach.applications)) check(v, `guardrails.attach.applications.${k}`);
    for (const [k, v] of Object.entries(cfg.attach.teams)) check(v, `guardrails.attach.teams.${k}`);
    for (const [k, v] of Object.entries(cfg.attach.keys)) check(v, `guardrails.attach.keys.${k}`);
  }

  get(ref: GuardrailRef): CompiledGuardrail | undefined {
    return this.compiled.get(`${ref.id}\u0000${ref.version}`);
  }

  ids(): string[] {
    return [...new Set([...this.compiled.values()].map((g) => g.id))];
  }

  /** The operator's attachments for this principal, in a stable order. */
  attachedFor(p: Principal | undefined): string[] {
    const out = [...this.attach.all];
    if (!p) return out;
    for (const r of p.roles) out.push(...(this.attach.roles[r] ?? []));
    if (p.team) out.push(...(this.attach.teams[p.team] ?? []));
    if (p.application) out.push(...(this.attach.applications[p.application] ?? []));
    if (p.keyId) out.push(...(this.attach.keys[p.keyId] ?? []));
    return out;
  }
}
