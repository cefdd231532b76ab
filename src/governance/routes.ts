/**
 * Admin API routes for governance (mounted under /admin/v1 by the admin router): the model catalog and its approval
 * requests, the application registry, posture, baselines and assessments. Every route is Cedar-authorized by the
 * router (ManageModels / ApproveModel on the model, ManageApplications on the gateway) and audited twice over: the
 * router records the API call, the library records the governance event with its reason.
 */
import { z } from 'zod';
import type { CompiledModel } from '../config/compile.js';
import type { Runtime } from '../config/runtime.js';
import type { Resource } from '../authz/entities.js';
import { RampartError } from '../errors.js';
import type { Store } from '../store/types.js';
import type { AdminRequest, AdminRoute } from '../server/admin/types.js';
import { StageSchema } from '../config/schema.js';
import { Applications } from './applications.js';
import type { Approvers } from './approvers.js';
import type { AuditFn } from './audit.js';
import { BASELINE_RULES, type BaselineRule } from './baselines.js';
import { Catalog } from './catalog.js';
import { postureOf, type GovernanceSnapshot } from './enforce.js';
import { ApplicationSchema, CatalogEntrySchema, type Actor, type CatalogEntry } from './types.js';

export interface GovernanceRouteDeps {
  store: Store;
  audit: AuditFn;
  /** The runtime in force (guardrails and models) for posture. */
  runtime: () => Pick<Runtime, 'guardrails' | 'models'>;
  approvers?: Approvers;
  rules?: readonly BaselineRule[];
}

const Patch = z.record(z.string(), z.unknown());
const TransitionSchema = z.object({ to: StageSchema, reason: z.string().min(1).max(2000) }).strict();
const DecisionSchema = z.object({ decision: z.enum(['approve', 'reject']), reason: z.string().min(1).max(2000), role: z.string().min(1).max(128).optional() }).strict();
const CancelSchema = z.object({ reason: z.string().min(1).max(2000) }).strict();

function actorOf(req: AdminRequest): Actor {
  const p = req.ctx.principal;
  // The router authenticates before any handler runs; no principal here is a wiring bug, refused rather than guessed.
  if (!p) throw new RampartError('unauthorized');
  return { id: p.id, roles: p.roles };
}

/** The Cedar Model resource for a catalog entry: the served model when the config has it, else its catalog facts. */
function modelResource(rt: Pick<Runtime, 'models'>, name: string, entry?: CatalogEntry): Resource {
  const served = rt.models.get(name);
  const base: CompiledModel = served ?? {
    name, type: 'chat', deployments: [], tier: 'general', stage: 'proposed', fineTuned: false, costClass: 'standard', dataClassifications: [],
  };
  const model: CompiledModel = entry
    ? { ...base, tier: entry.tier, stage: entry.stage, fineTuned: entry.fineTuned, costClass: entry.costClass, dataClassifications: entry.dataClassifications, region: entry.region ?? base.region }
    : base;
  return { type: 'Model', model };
}

/** Catalog-wide reads and creates name no model yet: a placeholder model only admin-wide permits match. */
const CATALOG = '(catalog)';

export function governanceRoutes(deps: GovernanceRouteDeps): AdminRoute[] {
  const catalog = new Catalog({ store: deps.store.governance, audit: deps.audit, approvers: deps.approvers, changes: deps.store.changes });
  const apps = new Applications({ store: deps.store.governance, audit: deps.audit, changes: deps.store.changes });
  const rules = deps.rules ?? BASELINE_RULES;
  const modelOf = async (name: string) => modelResource(deps.runtime(), name, await catalog.get(name));
  const snapshot = async (): Promise<GovernanceSnapshot> => ({
    apps: new Map((await apps.list()).map((a) => [a.id, a])),
    catalog: await catalog.overrides(),
  });
  const mustApp = async (id: string) => {
    const a = await apps.get(id);
    if (!a) throw new RampartError('not_found', { message: `No application "${id}".` });
    return a;
  };

  return [
    {
      method: 'GET', path: '/governance/models', action: 'ManageModels', readOnly: true, eventName: 'ListCatalogModels',
      summary: 'The model catalog: stage, tier, cost class, cleared data classifications, owner, model card.',
      resource: () => modelResource(deps.runtime(), CATALOG),
      handler: async () => ({ body: { models: await catalog.list() } }),
    },
    {
      method: 'POST', path: '/governance/models', action: 'ManageModels', readOnly: false, eventName: 'ProposeModel',
      summary: 'Propose a model: it enters the catalog in the proposed stage.',
      body: CatalogEntrySchema, resourceOf: (req) => modelResource(deps.runtime(), String((req.body as { name?: unknown }).name ?? CATALOG)),
      async handler(req) {
        const m = await catalog.propose(actorOf(req), req.body);
        return { status: 201, body: m, audit: { resourceId: m.name, after: m } };
      },
    },
    {
      method: 'GET', path: '/governance/models/:name', action: 'ManageModels', readOnly: true, eventName: 'GetCatalogModel',
      summary: 'One catalog entry with its approval requests.',
      resourceOf: (req) => modelOf(req.params.name),
      async handler(req) {
        const m = await catalog.get(req.params.name);
        if (!m) throw new RampartError('not_found', { message: `No model "${req.params.name}" in the catalog.` });
        return { body: { model: m, approvals: await catalog.listApprovals({ model: m.name }) } };
      },
    },
    {
      method: 'PATCH', path: '/governance/models/:name', action: 'ManageModels', readOnly: false, eventName: 'UpdateCatalogModel',
      summary: 'Change a catalog entry (not its stage: stages move through approvals).',
      body: Patch, resourceOf: (req) => modelOf(req.params.name),
      async handler(req) {
        const m = await catalog.update(actorOf(req), req.params.name, req.body as Record<string, never>);
        return { body: m, audit: { resourceId: m.name, after: m } };
      },
    },
    {
      method: 'POST', path: '/governance/models/:name/transitions', action: 'ManageModels', readOnly: false, eventName: 'RequestModelTransition',
      summary: 'Open an approval request to move the model to another stage.',
      body: TransitionSchema, resourceOf: (req) => modelOf(req.params.name),
      async handler(req) {
        const b = req.body as z.infer<typeof TransitionSchema>;
        const a = await catalog.requestTransition(actorOf(req), req.params.name, b.to, b.reason);
        return { status: 201, body: { approval: a, requiredRoles: catalog.required(a) }, audit: { resourceId: a.id, after: a } };
      },
    },
    {
      method: 'GET', path: '/governance/approvals', action: 'ApproveModel', readOnly: true, eventName: 'ListApprovals',
      summary: 'Approval requests, optionally ?model= and ?status=pending|approved|rejected|cancelled.',
      queryParams: [{ name: 'model', description: 'model name' }, { name: 'status', description: 'pending, approved, rejected or cancelled' }],
      resource: () => modelResource(deps.runtime(), CATALOG),
      async handler(req) {
        const status = req.query.get('status') ?? undefined;
        if (status && !['pending', 'approved', 'rejected', 'cancelled'].includes(status)) throw new RampartError('bad_request', { message: 'unknown status', param: 'status' });
        const list = await catalog.listApprovals({ model: req.query.get('model') ?? undefined, status: status as 'pending' | undefined });
        return { body: { approvals: list.map((a) => ({ ...a, requiredRoles: catalog.required(a) })) } };
      },
    },
    {
      method: 'POST', path: '/governance/approvals/:id/decisions', action: 'ApproveModel', readOnly: false, eventName: 'DecideModelTransition',
      summary: 'Approve or reject a request in one of the approver roles; nobody decides on their own request.',
      body: DecisionSchema,
      async resourceOf(req) {
        const a = await catalog.getApproval(req.params.id);
        return modelOf(a?.model ?? CATALOG);
      },
      async handler(req) {
        const b = req.body as z.infer<typeof DecisionSchema>;
        const a = await catalog.decide(actorOf(req), req.params.id, b);
        return { body: a, audit: { resourceId: a.id, after: { status: a.status, decisions: a.decisions.length } } };
      },
    },
    {
      method: 'POST', path: '/governance/approvals/:id/cancel', action: 'ManageModels', readOnly: false, eventName: 'CancelModelTransition',
      summary: 'Withdraw a pending request (the requester or a platform-admin).',
      body: CancelSchema,
      async resourceOf(req) {
        const a = await catalog.getApproval(req.params.id);
        return modelOf(a?.model ?? CATALOG);
      },
      async handler(req) {
        const a = await catalog.cancel(actorOf(req), req.params.id, (req.body as z.infer<typeof CancelSchema>).reason);
        return { body: a, audit: { resourceId: a.id } };
      },
    },
    {
      method: 'GET', path: '/governance/applications', action: 'ManageApplications', readOnly: true, eventName: 'ListApplications',
      summary: 'The application registry.',
      handler: async () => ({ body: { applications: await apps.list() } }),
    },
    {
      method: 'POST', path: '/governance/applications', action: 'ManageApplications', readOnly: false, eventName: 'CreateApplication',
      summary: 'Register an application with its Scoping Matrix classification (scope 1-5, exposure, data classification...).',
      body: ApplicationSchema,
      async handler(req) {
        const a = await apps.create(actorOf(req), req.body);
        return { status: 201, body: a, audit: { resourceId: a.id, after: a } };
      },
    },
    {
      method: 'GET', path: '/governance/applications/:id', action: 'ManageApplications', readOnly: true, eventName: 'GetApplication',
      summary: 'One application record.',
      handler: async (req) => ({ body: await mustApp(req.params.id) }),
    },
    {
      method: 'PATCH', path: '/governance/applications/:id', action: 'ManageApplications', readOnly: false, eventName: 'UpdateApplication',
      summary: 'Change an application record (the merged record is validated as a whole).',
      body: Patch,
      async handler(req) {
        const before = await mustApp(req.params.id);
        const a = await apps.update(actorOf(req), req.params.id, req.body as Record<string, unknown>);
        return { body: a, audit: { resourceId: a.id, before, after: a } };
      },
    },
    {
      method: 'DELETE', path: '/governance/applications/:id', action: 'ManageApplications', readOnly: false, eventName: 'DeleteApplication',
      summary: 'Remove an application from the registry.',
      async handler(req) {
        if (!(await apps.delete(actorOf(req), req.params.id))) throw new RampartError('not_found', { message: `No application "${req.params.id}".` });
        return { status: 204, body: undefined, audit: { resourceId: req.params.id } };
      },
    },
    {
      method: 'GET', path: '/governance/applications/:id/posture', action: 'ManageApplications', readOnly: true, eventName: 'GetApplicationPosture',
      summary: 'Which baseline controls the application meets, misses or has weaker than required.',
      async handler(req) {
        const app = await mustApp(req.params.id);
        return { body: postureOf(deps.runtime(), await snapshot(), app, rules) };
      },
    },
    {
      method: 'GET', path: '/governance/posture', action: 'ManageApplications', readOnly: true, eventName: 'ListPosture',
      summary: 'Posture of every registered application.',
      async handler() {
        const snap = await snapshot();
        return { body: { posture: [...snap.apps.values()].map((a) => postureOf(deps.runtime(), snap, a, rules)) } };
      },
    },
    {
      method: 'GET', path: '/governance/baselines', action: 'ManageApplications', readOnly: true, eventName: 'ListBaselines',
      summary: 'The baseline rules in force (data: conditions, required controls, warn/block, OWASP items).',
      handler: () => ({ body: { rules } }),
    },
    {
      method: 'GET', path: '/governance/assessments', action: 'ManageApplications', readOnly: true, eventName: 'ListAssessments',
      summary: 'Stored security assessments, newest first (?application=, ?model=, ?limit=).',
      queryParams: [{ name: 'application', description: 'application id' }, { name: 'model', description: 'model name' }, { name: 'limit', description: '1-1000, default 100' }],
      async handler(req) {
        const limit = Number(req.query.get('limit') ?? 100);
        if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new RampartError('bad_request', { message: 'limit must be 1-1000', param: 'limit' });
        const rows = await deps.store.governance.listAssessments({ application: req.query.get('application') ?? undefined, model: req.query.get('model') ?? undefined, limit });
        return { body: { assessments: rows.map((r) => JSON.parse(r.body) as unknown) } };
      },
    },
  ];
}
