import { z } from 'zod';
import { RampartError } from '../../../errors.js';
import type { Authorizer } from '../../../authz/authorizer.js';
import { compilePolicies, PolicyLoadError } from '../../../authz/policies.js';
import type { EmergencySwitch, EmergencyTarget } from '../../../identity/emergency.js';
import type { Store } from '../../../store/types.js';
import type { AdminRoute } from '../types.js';

/**
 * Policies (list, validate, reload) and the emergency switch. The switch is a gateway-wide control
 * with no action of its own in the Cedar schema, so it is guarded by ManagePolicies on the
 * gateway: whoever may change what is allowed may also stop everything.
 */

export interface GovernanceRouteDeps {
  store: Store;
  authorizer: () => Authorizer;
  /** Re-reads the policy files (authz/config Authz.reload); on failure the last good set stays. */
  reloadPolicies: () => { ok: true; policies: number } | { ok: false; problems: string[] };
  emergency: EmergencySwitch;
}

const ValidateSchema = z
  .object({
    /** file name -> Cedar text */
    files: z.record(z.string().regex(/^[\w./-]{1,200}\.cedar$/, 'a *.cedar file name'), z.string().max(1_000_000)),
    /** Validate together with the policies in force (files of the same name replace them); default true. */
    withCurrent: z.boolean().default(true),
  })
  .strict();

const TARGETS = ['key', 'application', 'model', 'all'] as const;
const EmergencySchema = z
  .object({
    disable: z.enum(TARGETS),
    id: z.string().min(1).max(256).optional(),
    reason: z.string().max(500).optional(),
  })
  .strict()
  .refine((b) => b.disable === 'all' || b.id !== undefined, { message: 'id is required unless disable is all', path: ['id'] });

export function governanceRoutes(deps: GovernanceRouteDeps): AdminRoute[] {
  const sw = deps.emergency;
  return [
    {
      method: 'GET', path: '/policies', action: 'ManagePolicies', readOnly: true, eventName: 'ListPolicies',
      summary: 'The Cedar policies in force: id, file and line.',
      handler() {
        const set = deps.authorizer().policies;
        return { body: { policies: set.sources.map((p) => ({ id: p.id, file: p.file, line: p.line })), warnings: set.warnings } };
      },
    },
    {
      method: 'POST', path: '/policies/validate', action: 'ManagePolicies', readOnly: true, eventName: 'ValidatePolicies',
      summary: 'Parse and validate Cedar policy files against the schema (strict mode) without installing them.',
      body: ValidateSchema,
      handler(req) {
        const b = req.body as z.infer<typeof ValidateSchema>;
        const current = deps.authorizer().policies;
        const files: Record<string, string> = {};
        if (b.withCurrent) for (const p of current.sources) files[p.file] = files[p.file] === undefined ? p.text : `${files[p.file]}\n${p.text}`;
        Object.assign(files, b.files);
        try {
          const set = compilePolicies(files, current.schema);
          return { body: { valid: true, problems: [], warnings: set.warnings, policies: set.sources.map((p) => p.id) } };
        } catch (err) {
          if (err instanceof PolicyLoadError) return { body: { valid: false, problems: err.problems, warnings: [], policies: [] } };
          throw err;
        }
      },
    },
    {
      method: 'POST', path: '/policies/reload', action: 'ManagePolicies', readOnly: false, eventName: 'ReloadPolicies',
      summary: 'Re-read the policy files; an invalid set is refused and the last good one stays in force.',
      async handler() {
        const before = deps.authorizer().policies.sources.map((p) => p.id);
        const r = deps.reloadPolicies();
        if (!r.ok) throw new RampartError('bad_request', { message: `Policies not reloaded; the last good set stays in force: ${r.problems.slice(0, 20).join('; ')}` });
        await deps.store.changes.publish('policies');
        const after = deps.authorizer().policies.sources.map((p) => p.id);
        return { body: { reloaded: true, policies: r.policies }, audit: { before: { policies: before }, after: { policies: after } } };
      },
    },
    {
      method: 'GET', path: '/emergency', action: 'ManagePolicies', readOnly: true, eventName: 'GetEmergencySwitch',
      summary: 'The emergency blocks in force.',
      handler: () => ({ body: { blocks: sw.list() } }),
    },
    {
      method: 'POST', path: '/emergency', action: 'ManagePolicies', readOnly: false, eventName: 'PullEmergencySwitch',
      summary: 'Disable a key, an application, a model or all model traffic, on every instance.',
      body: EmergencySchema,
      async handler(req) {
        const b = req.body as z.infer<typeof EmergencySchema>;
        const before = sw.list();
        const block = await sw.disable({ target: b.disable, id: b.id, reason: b.reason, by: req.ctx.principal?.id });
        return { body: { block, blocks: sw.list() }, audit: { resourceId: `${b.disable}:${b.id ?? '*'}`, before, after: sw.list() } };
      },
    },
    {
      method: 'DELETE', path: '/emergency', action: 'ManagePolicies', readOnly: false, eventName: 'LiftEmergencySwitch',
      summary: 'Lift one block: ?disable=key|application|model|all&id=...',
      queryParams: [
        { name: 'disable', description: 'key, application, model or all' },
        { name: 'id', description: 'the key id, application or model (not for all)' },
      ],
      async handler(req) {
        const target = req.query.get('disable') ?? '';
        if (!(TARGETS as readonly string[]).includes(target)) throw new RampartError('bad_request', { message: 'disable must be key, application, model or all', param: 'disable' });
        const id = req.query.get('id') ?? undefined;
        if (target !== 'all' && !id) throw new RampartError('bad_request', { message: 'id is required unless disable is all', param: 'id' });
        const before = sw.list();
        if (!(await sw.lift(target as EmergencyTarget, id))) throw new RampartError('not_found', { message: `No emergency block on ${target}${id ? ` ${id}` : ''}.` });
        return { body: { lifted: true, blocks: sw.list() }, audit: { resourceId: `${target}:${id ?? '*'}`, before, after: sw.list() } };
      },
    },
  ];
}
