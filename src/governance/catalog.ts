/**
 * The model catalog: governance records by model name, lifecycle stages, and the approvals that move a model from
 * one stage to the next. Every change and every refusal is audited through the injected `audit` function.
 *
 * Rules that hold whatever the configuration: nobody approves their own request; one person fills one role per
 * request; only a configured approver role counts; a retired model takes no request and no approval.
 */
import { randomUUID } from 'node:crypto';
import { RampartError } from '../errors.js';
import type { ChangeChannel, GovernanceStore } from '../store/types.js';
import { GOVERNANCE_TOPIC } from './topic.js';
import type { AuditFn, GovernanceEvent } from './audit.js';
import { DEFAULT_APPROVERS, transitionKey, type Approvers } from './approvers.js';
import { Docs } from './docs.js';
import {
  ApprovalSchema,
  CatalogEntrySchema,
  parseWith,
  type Actor,
  type Approval,
  type CatalogEntry,
  type Stage,
} from './types.js';

export interface CatalogOptions {
  store: GovernanceStore;
  audit: AuditFn;
  approvers?: Approvers;
  now?: () => Date;
  /** The store's change channel: writes publish GOVERNANCE_TOPIC so every instance re-reads. */
  changes?: Pick<ChangeChannel, 'publish'>;
}

export interface DecisionInput {
  decision: 'approve' | 'reject';
  reason: string;
  /** The approver role the actor acts in; default: the first required role the actor holds that is still open. */
  role?: string;
}

/** Fields a model update may change: the stage moves only through approvals. */
type EntryPatch = Partial<Omit<CatalogEntry, 'name' | 'stage'>>;

export class Catalog {
  private readonly models: Docs<typeof CatalogEntrySchema>;
  private readonly approvals: Docs<typeof ApprovalSchema>;
  private readonly approvers: Approvers;
  private readonly now: () => Date;

  constructor(private readonly opts: CatalogOptions) {
    const notify = () => opts.changes?.publish(GOVERNANCE_TOPIC) ?? Promise.resolve();
    this.models = new Docs(opts.store, 'model', CatalogEntrySchema, notify);
    this.approvals = new Docs(opts.store, 'approval', ApprovalSchema);
    this.approvers = opts.approvers ?? DEFAULT_APPROVERS;
    this.now = opts.now ?? (() => new Date());
  }

  list(): Promise<CatalogEntry[]> {
    return this.models.list();
  }

  async get(name: string): Promise<CatalogEntry | undefined> {
    return (await this.models.get(name))?.value;
  }

  /** A new model enters the catalog as proposed, whatever stage the input names. */
  async propose(actor: Actor, input: unknown): Promise<CatalogEntry> {
    const parsed = parseWith(CatalogEntrySchema, input);
    const entry: CatalogEntry = { ...parsed, stage: 'proposed' };
    await this.models.create(entry.name, entry, 'Model');
    await this.audit({ eventName: 'ProposeModel', actor, resource: { type: 'Model', id: entry.name }, outcome: 'success', after: entry });
    return entry;
  }

  /**
   * Imports a model that is already in service (the config's models) at its current stage, without approvals: it
   * records the status quo, it does not change what anyone can reach.
   */
  async register(actor: Actor, input: unknown): Promise<CatalogEntry> {
    const entry = parseWith(CatalogEntrySchema, input);
    await this.models.create(entry.name, entry, 'Model');
    await this.audit({ eventName: 'ProposeModel', actor, resource: { type: 'Model', id: entry.name }, outcome: 'success', after: entry, details: { imported: true } });
    return entry;
  }

  async update(actor: Actor, name: string, patch: EntryPatch & { stage?: unknown; name?: unknown }): Promise<CatalogEntry> {
    const resource = { type: 'Model' as const, id: name };
    if (patch.stage !== undefined) await this.refuse({ eventName: 'UpdateModel', actor, resource }, 'the stage changes only through an approved transition request', 'bad_request');
    let before: CatalogEntry | undefined;
    const after = await this.models.update(name, 'model', (cur) => {
      if (cur.stage === 'retired') throw new RampartError('forbidden', { message: `Model "${name}" is retired; its record is final.` });
      before = cur;
      const next = parseWith(CatalogEntrySchema, { ...cur, ...patch, name, stage: cur.stage });
      return { next, result: next };
    }).catch((err: unknown) => this.refuseErr({ eventName: 'UpdateModel', actor, resource }, err));
    await this.audit({ eventName: 'UpdateModel', actor, resource, outcome: 'success', before, after });
    return after;
  }

  listApprovals(filter: { model?: string; status?: Approval['status'] } = {}): Promise<Approval[]> {
    return this.approvals
      .list()
      .then((all) => all.filter((a) => (!filter.model || a.model === filter.model) && (!filter.status || a.status === filter.status)));
  }

  async getApproval(id: string): Promise<Approval | undefined> {
    return (await this.approvals.get(id))?.value;
  }

  /** Opens an approval request to move `name` to `to`. One open request per model at a time. */
  async requestTransition(actor: Actor, name: string, to: Stage, reason: string): Promise<Approval> {
    const resource = { type: 'Model' as const, id: name };
    const ev = { eventName: 'RequestModelTransition' as const, actor, resource };
    const model = await this.models.get(name);
    if (!model) return this.refuse(ev, `No model "${name}" in the catalog.`, 'not_found');
    const from = model.value.stage;
    if (from === 'retired') return this.refuse(ev, `Model "${name}" is retired; retired models take no requests or approvals.`);
    if (!this.approvers[transitionKey(from, to)]) {
      return this.refuse(ev, `Transition ${from} -> ${to} is not allowed (allowed from ${from}: ${this.allowedFrom(from).join(', ') || 'none'}).`, 'bad_request');
    }
    if (!reason?.trim()) return this.refuse(ev, 'A transition request needs a reason.', 'bad_request');
    const open = await this.listApprovals({ model: name, status: 'pending' });
    if (open.length > 0) return this.refuse(ev, `Model "${name}" already has an open request (${open[0].id}).`, 'bad_request');
    const approval: Approval = {
      id: `apr_${randomUUID().replaceAll('-', '').slice(0, 20)}`,
      model: name,
      from,
      to,
      requestedBy: actor.id,
      requestedAt: this.now().toISOString(),
      reason,
      status: 'pending',
      decisions: [],
      assessments: [],
    };
    await this.approvals.create(approval.id, approval, 'Approval');
    await this.audit({ ...ev, outcome: 'success', reason, after: approval, details: { approval: approval.id, from, to, requiredRoles: this.required(approval) } });
    return approval;
  }

  /** Roles that must each approve the request, and which of them have. */
  required(a: Pick<Approval, 'from' | 'to'>): string[] {
    return [...(this.approvers[transitionKey(a.from, a.to)] ?? [])];
  }

  /** Records one approver's decision; the last required approval applies the transition. */
  async decide(actor: Actor, approvalId: string, input: DecisionInput): Promise<Approval> {
    const current = await this.approvals.get(approvalId);
    const resource = { type: 'Approval' as const, id: approvalId };
    const eventName = input.decision === 'approve' ? 'ApproveModelTransition' : 'RejectModelTransition';
    const ev = { eventName, actor, resource } as const;
    if (!current) return this.refuse(ev, `No approval request "${approvalId}".`, 'not_found');
    if (!input.reason?.trim()) return this.refuse(ev, 'An approval decision needs a reason.', 'bad_request');
    const model = await this.models.get(current.value.model);
    if (!model || model.value.stage === 'retired') {
      return this.refuse(ev, `Model "${current.value.model}" is retired; retired models take no requests or approvals.`);
    }
    let role: string | undefined;
    await this.approvals
      .update(approvalId, 'approval request', (a) => {
        role = this.checkDecision(actor, a, input);
        const decided: Approval = {
          ...a,
          decisions: [...a.decisions, { by: actor.id, role, decision: input.decision, at: this.now().toISOString(), reason: input.reason }],
        };
        if (input.decision === 'reject') return { next: { ...decided, status: 'rejected', closedAt: this.now().toISOString() }, result: decided };
        const open = this.openRoles(decided);
        return { next: open.length === 0 ? { ...decided, status: 'approved', closedAt: this.now().toISOString() } : decided, result: decided };
      })
      .catch((err: unknown) => this.refuseErr(ev, err));
    const final = (await this.approvals.must(approvalId, 'approval request')).value;
    await this.audit({ ...ev, outcome: 'success', reason: input.reason, details: { model: final.model, from: final.from, to: final.to, role, status: final.status } });
    if (final.status === 'approved') await this.apply(actor, final);
    return final;
  }

  async cancel(actor: Actor, approvalId: string, reason: string): Promise<Approval> {
    const ev = { eventName: 'CancelModelTransition' as const, actor, resource: { type: 'Approval' as const, id: approvalId } };
    const out = await this.approvals
      .update(approvalId, 'approval request', (a) => {
        if (a.status !== 'pending') throw new RampartError('bad_request', { message: `Approval request ${a.id} is ${a.status}, not pending.` });
        if (a.requestedBy !== actor.id && !actor.roles.includes('platform-admin')) {
          throw new RampartError('forbidden', { message: 'Only the requester or a platform-admin may cancel a request.' });
        }
        const next: Approval = { ...a, status: 'cancelled', closedAt: this.now().toISOString() };
        return { next, result: next };
      })
      .catch((err: unknown) => this.refuseErr(ev, err));
    await this.audit({ ...ev, outcome: 'success', reason });
    return out;
  }

  /** Attaches assessment evidence to a request, so approvers decide on it. */
  async attachAssessment(actor: Actor, approvalId: string, assessmentId: string): Promise<Approval> {
    const out = await this.approvals.update(approvalId, 'approval request', (a) => {
      const next: Approval = { ...a, assessments: [...new Set([...a.assessments, assessmentId])] };
      return { next, result: next };
    });
    await this.audit({ eventName: 'AttachAssessment', actor, resource: { type: 'Approval', id: approvalId }, outcome: 'success', details: { assessment: assessmentId } });
    return out;
  }

  /** Governance overrides by model name, for applyCatalog. */
  async overrides(): Promise<Map<string, CatalogEntry>> {
    return new Map((await this.list()).map((m) => [m.name, m]));
  }

  private openRoles(a: Approval): string[] {
    const done = new Set(a.decisions.filter((d) => d.decision === 'approve').map((d) => d.role));
    return this.required(a).filter((r) => !done.has(r));
  }

  /** Returns the role the actor decides in, or throws the refusal. */
  private checkDecision(actor: Actor, a: Approval, input: DecisionInput): string {
    if (a.status !== 'pending') throw new RampartError('bad_request', { message: `Approval request ${a.id} is ${a.status}, not pending.` });
    if (a.requestedBy === actor.id) throw new RampartError('forbidden', { message: 'Nobody approves their own request: the requester cannot decide on it.' });
    if (a.decisions.some((d) => d.by === actor.id)) throw new RampartError('forbidden', { message: `${actor.id} has already decided on this request; one person fills one role.` });
    const required = this.required(a);
    const open = this.openRoles(a);
    const eligible = input.role ? [input.role] : open.filter((r) => actor.roles.includes(r));
    const role = eligible.find((r) => actor.roles.includes(r) && required.includes(r));
    if (!role) {
      throw new RampartError('forbidden', {
        message: `Not an approver for ${a.from} -> ${a.to}: needs one of the roles ${open.join(', ') || required.join(', ')}` +
          (input.role ? ` (and to hold role "${input.role}")` : '') + '.',
      });
    }
    if (input.decision === 'approve' && !open.includes(role)) throw new RampartError('forbidden', { message: `Role "${role}" has already approved this request.` });
    return role;
  }

  private async apply(actor: Actor, a: Approval): Promise<void> {
    let before: CatalogEntry | undefined;
    const after = await this.models.update(a.model, 'model', (cur) => {
      // The model moved some other way since the request was opened: applying it now would skip a stage's approvals.
      if (cur.stage !== a.from) throw new RampartError('bad_request', { message: `Model "${a.model}" is now ${cur.stage}, not ${a.from}; open a new request.` });
      before = cur;
      const next: CatalogEntry = { ...cur, stage: a.to };
      return { next, result: next };
    });
    await this.audit({
      eventName: 'ApplyModelTransition', actor, resource: { type: 'Model', id: a.model }, outcome: 'success', before, after,
      details: { approval: a.id, from: a.from, to: a.to, approvedBy: a.decisions.map((d) => `${d.by} (${d.role})`) },
    });
  }

  private allowedFrom(from: Stage): string[] {
    return Object.keys(this.approvers).filter((k) => k.startsWith(`${from}->`)).map((k) => k.slice(from.length + 2));
  }

  private async audit(e: GovernanceEvent): Promise<void> {
    await this.opts.audit(e);
  }

  private async refuse(ev: Omit<GovernanceEvent, 'outcome'>, message: string, code: 'forbidden' | 'bad_request' | 'not_found' = 'forbidden'): Promise<never> {
    await this.audit({ ...ev, outcome: 'refused', reason: message, errorCode: code });
    throw new RampartError(code, { message });
  }

  private async refuseErr(ev: Omit<GovernanceEvent, 'outcome'>, err: unknown): Promise<never> {
    if (err instanceof RampartError) {
      await this.audit({ ...ev, outcome: 'refused', reason: err.message, errorCode: err.code });
    }
    throw err;
  }
}
