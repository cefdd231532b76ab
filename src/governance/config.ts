/**
 * The `governance:` section of rampart.yaml. Imports only modules that do not import the config back (see
 * constants.ts): src/config/schema.ts includes this schema.
 */
import { z } from 'zod';
import { ApproversSchema, DEFAULT_APPROVERS } from './approvers.js';
import { BaselinesConfigSchema } from './baselines.js';

export const GovernanceConfigSchema = z
  .object({
    /** Roles that must approve each lifecycle transition ("evaluation->approved": [legal, procurement, security]). */
    approvers: ApproversSchema.default(DEFAULT_APPROVERS),
    /** Baseline rules: shipped defaults, extra rules, per-rule warn/block. */
    baselines: BaselinesConfigSchema.default({ extra: [], modes: {} }),
    /** A caller whose application is not in the registry: allow (default, posture does not apply) or deny. */
    unregisteredApplications: z.enum(['allow', 'deny']).default('allow'),
  })
  .strict();

export type GovernanceConfig = z.infer<typeof GovernanceConfigSchema>;
