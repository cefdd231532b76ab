/**
 * Who must approve each lifecycle transition. Kept as data (config `governance.approvers`) so an organisation can
 * name its own roles; the shipped default follows the guidance: legal and procurement are consulted before a model
 * leaves evaluation, security signs off before approval, and the platform team retires models.
 */
import { z } from 'zod';
import type { Stage } from '../config/schema.js';

export const transitionKey = (from: Stage, to: Stage) => `${from}->${to}`;

const role = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'a role name');
const keyRe = /^(proposed|evaluation|approved|deprecated|retired)->(proposed|evaluation|approved|deprecated|retired)$/;

/** transition ("evaluation->approved") -> roles that must each approve once. A transition not listed is not allowed. */
export const ApproversSchema = z
  .record(z.string().regex(keyRe, 'a transition such as "evaluation->approved"'), z.array(role).min(1).max(10))
  .superRefine((m, ctx) => {
    for (const [k, roles] of Object.entries(m)) {
      if (k.startsWith('retired->')) ctx.addIssue({ code: 'custom', path: [k], message: 'retired is final: no transition leaves it' });
      if (new Set(roles).size !== roles.length) ctx.addIssue({ code: 'custom', path: [k], message: 'a role is listed twice' });
    }
  });
export type Approvers = z.infer<typeof ApproversSchema>;

export const DEFAULT_APPROVERS: Approvers = {
  'proposed->evaluation': ['security'],
  'evaluation->approved': ['legal', 'procurement', 'security'],
  'evaluation->proposed': ['platform-admin'],
  'approved->deprecated': ['platform-admin'],
  'deprecated->approved': ['platform-admin', 'security'],
  'proposed->retired': ['platform-admin'],
  'evaluation->retired': ['platform-admin'],
  'approved->retired': ['platform-admin'],
  'deprecated->retired': ['platform-admin'],
};
