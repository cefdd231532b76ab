import { z } from 'zod';
import { IdentityConfigSchema } from '../identity/config.js';
import { AuthzConfigSchema } from '../authz/config.js';
import { LimitsSchema } from '../limits/schema.js';
import { RoutingSchema } from '../routing/schema.js';
import { GuardrailsConfigSchema } from '../guardrails/config.js';
import { GovernanceConfigSchema } from '../governance/config.js';
import { RecordsConfigSchema } from '../records/config.js';
import { AdminListenerSchema } from '../server/admin/config.js';

/**
 * The versioned configuration contract (`rampart.yaml`). Parsed and validated once, then compiled
 * (src/config/compile.ts) into the runtime object the hot path uses. Field names are camelCase.
 */

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'letters, digits, and . _ : - only (max 128)');
const positiveMs = z.number().int().positive();

export const TimeoutsSchema = z
  .object({
    connectMs: positiveMs.optional(),
    firstByteMs: positiveMs.optional(),
    totalMs: positiveMs.optional(),
    idleMs: positiveMs.optional(),
  })
  .strict();

const httpUrl = z.string().url().refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL');

const providerCommon = {
  name,
  timeouts: TimeoutsSchema.optional(),
  /** PEM bundle of extra CAs trusted for this upstream. */
  caFile: z.string().optional(),
  /** Outbound HTTP proxy for this upstream. */
  proxyUrl: httpUrl.optional(),
  maxConnections: z.number().int().min(1).max(1024).optional(),
};

export const OpenAIProviderSchema = z
  .object({
    ...providerCommon,
    kind: z.literal('openai'),
    /** e.g. https://api.openai.com/v1, http://localhost:11434/v1, https://NAME.openai.azure.com/openai/deployments/DEPLOYMENT */
    baseUrl: httpUrl,
    apiKey: z.string().optional(),
    organization: z.string().optional(),
    /** Azure OpenAI: sends `api-key` and `?api-version=`. */
    azureApiVersion: z.string().optional(),
    headers: z.record(z.string(), z.string()).optional(),
  })
  .strict();

export const AnthropicProviderSchema = z
  .object({
    ...providerCommon,
    kind: z.literal('anthropic'),
    baseUrl: httpUrl.default('https://api.anthropic.com'),
    apiKey: z.string().optional(),
    anthropicVersion: z.string().default('2023-06-01'),
  })
  .strict();

export const BedrockProviderSchema = z
  .object({
    ...providerCommon,
    kind: z.literal('bedrock'),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'an AWS region such as us-east-1'),
    /** VPC endpoint or other override; default https://bedrock-runtime.REGION.amazonaws.com */
    endpoint: httpUrl.optional(),
    /** Static credentials; without them the standard AWS credential chain is used. */
    accessKeyId: z.string().optional(),
    secretAccessKey: z.string().optional(),
    sessionToken: z.string().optional(),
    /** Bedrock API key (bearer token) instead of SigV4. */
    bearerToken: z.string().optional(),
  })
  .strict()
  .refine((p) => !p.accessKeyId === !p.secretAccessKey, { message: 'accessKeyId and secretAccessKey go together', path: ['secretAccessKey'] });

export const DemoProviderSchema = z.object({ ...providerCommon, kind: z.literal('demo') }).strict();

export const ProviderSchema = z.discriminatedUnion('kind', [
  OpenAIProviderSchema,
  AnthropicProviderSchema,
  BedrockProviderSchema,
  DemoProviderSchema,
]);

export const DeploymentSchema = z
  .object({
    provider: name,
    /** The upstream's model id. */
    model: z.string().min(1).max(256),
    id: name.optional(),
    weight: z.number().min(0).max(1000).default(1),
    region: z.string().optional(),
  })
  .strict();

export const TierSchema = z.enum(['sandbox', 'general', 'fine-tuned', 'specialized']);
export const StageSchema = z.enum(['proposed', 'evaluation', 'approved', 'deprecated', 'retired']);
export const DataClassSchema = z.enum(['public', 'internal', 'confidential', 'restricted']);
export const CostClassSchema = z.enum(['low', 'standard', 'high']);

/** One model concept for the whole product. */
export const ModelSchema = z
  .object({
    name,
    deployments: z.array(DeploymentSchema).min(1),
    tier: TierSchema.default('general'),
    stage: StageSchema.default('approved'),
    region: z.string().optional(),
    fineTuned: z.boolean().default(false),
    costClass: CostClassSchema.default('standard'),
    dataClassifications: z.array(DataClassSchema).default(['public', 'internal']),
    /** Which operation the model serves. */
    type: z.enum(['chat', 'embedding']).default('chat'),
  })
  .strict();

export const ServerSchema = z
  .object({
    host: z.string().default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(8080),
    tls: z
      .object({
        certFile: z.string(),
        keyFile: z.string(),
        /** mTLS: PEM bundle of the CA(s) client certificates must chain to (identity.mtls maps them to principals). */
        clientCaFile: z.string().optional(),
        /** With clientCaFile: refuse the TLS handshake without a valid client certificate (else other credentials may be used). */
        requireClientCert: z.boolean().default(true),
      })
      .strict()
      .optional(),
    /** Largest accepted request body. */
    bodyLimitBytes: z.number().int().min(1024).max(256 * 1024 * 1024).default(4 * 1024 * 1024),
    /** Client must send all headers within this time. */
    headersTimeoutMs: positiveMs.default(10_000),
    /** Client must send the whole request within this time. */
    requestTimeoutMs: positiveMs.default(30_000),
    /** Idle keep-alive connections (HTTP/1.1) and sessions (HTTP/2) are closed after this. */
    keepAliveTimeoutMs: positiveMs.default(5_000),
    /** Longest wait for in-flight requests and streams on shutdown. */
    shutdownGraceMs: positiveMs.default(30_000),
  })
  .strict();

export const StoreSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('sqlite'), path: z.string().default('./data/rampart.db') }).strict(),
    z.object({ kind: z.literal('postgres'), url: z.string().min(1), maxConnections: z.number().int().min(1).max(200).default(10) }).strict(),
  ]);

export const LogSchema = z
  .object({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** One structured line per request (the request log). */
    requests: z.boolean().default(true),
  })
  .strict();

export const ConfigSchema = z
  .object({
    version: z.literal(1).default(1),
    server: ServerSchema.default(ServerSchema.parse({})),
    /** A separate listener for the admin API; when set, /admin/v1 is served only there. */
    admin: AdminListenerSchema.optional(),
    store: StoreSchema.default({ kind: 'sqlite', path: './data/rampart.db' }),
    log: LogSchema.default(LogSchema.parse({})),
    identity: IdentityConfigSchema.default(IdentityConfigSchema.parse({})),
    authz: AuthzConfigSchema.default(AuthzConfigSchema.parse({})),
    guardrails: GuardrailsConfigSchema.default(GuardrailsConfigSchema.parse({})),
    records: RecordsConfigSchema.default(RecordsConfigSchema.parse({})),
    limits: LimitsSchema.default(LimitsSchema.parse({})),
    routing: RoutingSchema.default(RoutingSchema.parse({})),
    metrics: z
      .object({
        enabled: z.boolean().default(true),
        /** Source networks that may scrape GET /metrics (unauthenticated, like /healthz). */
        allowedNetworks: z.array(z.string()).default(['127.0.0.0/8', '::1/128']),
      })
      .strict()
      .default({ enabled: true, allowedNetworks: ['127.0.0.0/8', '::1/128'] }),
    providers: z.array(ProviderSchema).default([]),
    models: z.array(ModelSchema).default([]),
    /** Model approvals, baseline rules (docs/governance.md). */
    governance: GovernanceConfigSchema.default(GovernanceConfigSchema.parse({})),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const providers = new Set<string>();
    cfg.providers.forEach((p, i) => {
      if (providers.has(p.name)) ctx.addIssue({ code: 'custom', path: ['providers', i, 'name'], message: `duplicate provider name "${p.name}"` });
      providers.add(p.name);
    });
    const models = new Set<string>();
    cfg.models.forEach((m, i) => {
      if (models.has(m.name)) ctx.addIssue({ code: 'custom', path: ['models', i, 'name'], message: `duplicate model name "${m.name}"` });
      models.add(m.name);
      m.deployments.forEach((d, j) => {
        if (!providers.has(d.provider))
          ctx.addIssue({ code: 'custom', path: ['models', i, 'deployments', j, 'provider'], message: `unknown provider "${d.provider}"` });
      });
    });
  });

export type Config = z.infer<typeof ConfigSchema>;
export type ProviderConfig = z.infer<typeof ProviderSchema>;
export type OpenAIProviderConfig = z.infer<typeof OpenAIProviderSchema>;
export type AnthropicProviderConfig = z.infer<typeof AnthropicProviderSchema>;
export type BedrockProviderConfig = z.infer<typeof BedrockProviderSchema>;
export type DemoProviderConfig = z.infer<typeof DemoProviderSchema>;
export type ModelConfig = z.infer<typeof ModelSchema>;
export type Tier = z.infer<typeof TierSchema>;
export type Stage = z.infer<typeof StageSchema>;
export type DataClass = z.infer<typeof DataClassSchema>;
