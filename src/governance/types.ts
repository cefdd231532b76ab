/**
 * The governance records, validated with field paths: a model's catalog entry (its lifecycle stage and the
 * approvals that moved it), an application classified by the Generative AI Security Scoping Matrix, and the
 * approval requests between stages. Stored as versioned JSON documents (src/store/governance-types.ts).
 */
import { z } from 'zod';
import { RampartError } from '../errors.js';
import { CRITICALITIES, EXPOSURES, LOGGING_MODES } from './constants.js';
import { CostClassSchema, DataClassSchema, StageSchema, TierSchema, type DataClass, type Stage } from '../config/schema.js';

export const idSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'letters, digits, and . _ : - only (max 128)');
const regionSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'a region such as us-east-1 or eu-west-3');
const text = (max: number) => z.string().min(1).max(max);

export { DATA_CLASSES, classRank, EXPOSURES, CRITICALITIES, LOGGING_MODES } from './constants.js';
export type { Exposure, Criticality, LoggingMode } from './constants.js';
/** A model's governance record; its fields override the config's defaults for that model (applyCatalog). */
export const CatalogEntrySchema = z
  .object({
    name: idSchema,
    provider: text(128).optional(),
    upstreamId: text(256).optional(),
    tier: TierSchema.default('general'),
    stage: StageSchema.default('proposed'),
    costClass: CostClassSchema.default('standard'),
    /** The classifications of data this model is cleared to receive. */
    dataClassifications: z.array(DataClassSchema).default(['public']),
    region: regionSchema.optional(),
    fineTuned: z.boolean().default(false),
    /** Fine-tuned or self-trained: the highest classification of its training data, which the model carries. */
    trainingDataClassification: DataClassSchema.optional(),
    owner: text(256).optional(),
    modelCard: z.string().url().max(2048).optional(),
    description: z.string().max(2000).optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (m.trainingDataClassification && !m.fineTuned && m.tier !== 'fine-tuned') {
      ctx.addIssue({ code: 'custom', path: ['trainingDataClassification'], message: 'only a fine-tuned model has training data of its own' });
    }
  });
export type CatalogEntry = z.output<typeof CatalogEntrySchema>;
export type CatalogEntryInput = z.input<typeof CatalogEntrySchema>;

/**
 * Scoping Matrix scopes: 1 consumer app (public generative AI service), 2 enterprise app (SaaS with generative
 * features), 3 pre-trained models (your app on a foundation model), 4 fine-tuned models, 5 self-trained models.
 */
export const SCOPES = [1, 2, 3, 4, 5] as const;
export type Scope = (typeof SCOPES)[number];

export const ApplicationSchema = z
  .object({
    id: idSchema,
    name: text(200),
    owner: text(256),
    team: text(128).optional(),
    exposure: z.enum(EXPOSURES),
    scope: z.literal(SCOPES, { error: 'unknown scope: must be a Scoping Matrix scope 1, 2, 3, 4 or 5' }),
    /** The highest classification of data the application sends to models. */
    dataClassification: DataClassSchema,
    criticality: z.enum(CRITICALITIES).default('medium'),
    /** Guardrail ids attached to every call of the application (in addition to the config's `attach.all`). */
    guardrails: z.array(idSchema).max(20).default([]),
    loggingMode: z.enum(LOGGING_MODES).default('full'),
    limits: z
      .object({
        requestsPerMinute: z.number().int().positive().optional(),
        tokensPerDay: z.number().int().positive().optional(),
        budgetUsdPerMonth: z.number().positive().optional(),
      })
      .strict()
      .optional(),
    /** Catalog models the application calls. */
    models: z.array(idSchema).max(100).default([]),
    /** Deployment ids the router may fall back to. */
    fallbackDeployments: z.array(text(256)).max(20).default([]),
    /** Regions the application's data may reach; absent means anywhere. */
    allowedRegions: z.array(regionSchema).min(1).max(50).optional(),
    description: z.string().max(2000).optional(),
  })
  .strict();
export type Application = z.output<typeof ApplicationSchema>;
export type ApplicationInput = z.input<typeof ApplicationSchema>;

export const APPROVAL_STATUSES = ['pending', 'approved', 'rejected', 'cancelled'] as const;

export const ApprovalSchema = z
  .object({
    id: idSchema,
    model: idSchema,
    from: StageSchema,
    to: StageSchema,
    requestedBy: text(512),
    requestedAt: z.string(),
    reason: text(2000),
    status: z.enum(APPROVAL_STATUSES),
    decisions: z.array(
      z
        .object({
          by: text(512),
          role: text(128),
          decision: z.enum(['approve', 'reject']),
          at: z.string(),
          reason: text(2000),
        })
        .strict(),
    ),
    /** Assessment ids attached as evidence (rampart assess --model). */
    assessments: z.array(z.string()).default([]),
    closedAt: z.string().optional(),
  })
  .strict();
export type Approval = z.output<typeof ApprovalSchema>;

/** Who acts: a principal's id and roles (from the authenticated principal or the CLI operator). */
export interface Actor {
  id: string;
  roles: readonly string[];
}

export type { DataClass, Stage };

/** A validation failure with the field path of each problem, e.g. `scope: scope must be ...`. */
export class GovernanceValidationError extends RampartError {
  constructor(readonly issues: Array<{ path: string; message: string }>) {
    // A bad_request: the admin API answers it with the first field path as `param`, and every issue in the message.
    super('bad_request', { message: issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; '), param: issues[0]?.path });
    this.name = 'GovernanceValidationError';
  }
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '');
}

export function parseWith<T extends z.ZodType>(schema: T, raw: unknown): z.output<T> {
  const r = schema.safeParse(raw);
  if (!r.success) throw new GovernanceValidationError(r.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })));
  return r.data;
}
