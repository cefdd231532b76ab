/** The application registry: each application's Scoping Matrix classification and its declared controls. */
import type { ChangeChannel, GovernanceStore } from '../store/types.js';
import { GOVERNANCE_TOPIC } from './topic.js';
import type { AuditFn } from './audit.js';
import { Docs } from './docs.js';
import { ApplicationSchema, parseWith, type Actor, type Application } from './types.js';

export class Applications {
  private readonly docs: Docs<typeof ApplicationSchema>;

  constructor(private readonly opts: { store: GovernanceStore; audit: AuditFn; changes?: Pick<ChangeChannel, 'publish'> }) {
    this.docs = new Docs(opts.store, 'application', ApplicationSchema, () => opts.changes?.publish(GOVERNANCE_TOPIC) ?? Promise.resolve());
  }

  list(): Promise<Application[]> {
    return this.docs.list();
  }

  async get(id: string): Promise<Application | undefined> {
    return (await this.docs.get(id))?.value;
  }

  /** Refuses a record that does not validate, naming each bad field's path (e.g. `scope`, `dataClassification`). */
  async create(actor: Actor, input: unknown): Promise<Application> {
    const app = parseWith(ApplicationSchema, input);
    await this.docs.create(app.id, app, 'Application');
    await this.opts.audit({ eventName: 'CreateApplication', actor, resource: { type: 'Application', id: app.id }, outcome: 'success', after: app });
    return app;
  }

  /** Merges the patch over the stored record and validates the result as a whole. */
  async update(actor: Actor, id: string, patch: Record<string, unknown>): Promise<Application> {
    let before: Application | undefined;
    const after = await this.docs.update(id, 'application', (cur) => {
      before = cur;
      const next = parseWith(ApplicationSchema, { ...cur, ...patch, id });
      return { next, result: next };
    });
    await this.opts.audit({ eventName: 'UpdateApplication', actor, resource: { type: 'Application', id }, outcome: 'success', before, after });
    return after;
  }

  async delete(actor: Actor, id: string): Promise<boolean> {
    const before = await this.get(id);
    const gone = await this.docs.delete(id);
    if (gone) await this.opts.audit({ eventName: 'DeleteApplication', actor, resource: { type: 'Application', id }, outcome: 'success', before });
    return gone;
  }
}
