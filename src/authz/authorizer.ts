import { cedar } from './cedar.js';
import type { CompiledModel } from '../config/compile.js';
import type { Principal } from '../identity/types.js';
import { normalizeIp } from '../identity/network.js';
import { RESYNC_TOPIC, type Store } from '../store/types.js';
import { Lru, WallClock } from './cache.js';
import { buildContext, buildEntities, resourceUid, type AuthzContext, type Resource } from './entities.js';
import type { CompiledPolicySet } from './policies.js';
import type { AnyAction, Decision } from './types.js';

/**
 * Cedar authorization on the stateful API: the schema and policy set are parsed once per load
 * (preparse*), each decision only ships the request and its small entity slice. Decisions are
 * cached under a key made of every input that can change the answer; the cache is cleared whenever
 * policies, keys or entities change. Any Cedar error, diagnostic or warning is a deny.
 */

export interface AuthorizerOptions {
  policies: CompiledPolicySet;
  /** IANA zone for context.hour / dayOfWeek; default UTC. */
  timeZone?: string;
  cacheSize?: number;
  /** Clears the cache on the 'keys', 'policies' and 'models' topics from any instance. */
  store?: Store;
  now?: () => number;
}

let generation = 0;

export class Authorizer {
  private policySetId = '';
  private schemaId = '';
  private current!: CompiledPolicySet;
  private readonly cache: Lru<Decision>;
  private readonly clock: WallClock;
  private readonly now: () => number;
  private readonly modelKeys = new WeakMap<CompiledModel, string>();
  private readonly unsubscribe?: () => void;

  constructor(opts: AuthorizerOptions) {
    this.cache = new Lru(opts.cacheSize ?? 10_000);
    this.clock = new WallClock(opts.timeZone);
    this.now = opts.now ?? Date.now;
    this.load(opts.policies);
    this.unsubscribe = opts.store?.changes.subscribe((topic) => {
      if (topic === 'keys' || topic === 'policies' || topic === 'models' || topic === RESYNC_TOPIC) this.invalidate();
    });
  }

  get policies(): CompiledPolicySet {
    return this.current;
  }

  /**
   * Installs a validated policy set (see compilePolicies). On failure the previous set stays in
   * force and the error is thrown to the caller (reload keeps the last good set).
   */
  load(set: CompiledPolicySet): void {
    const gen = ++generation;
    const schemaId = `rampart-schema-${gen}`;
    const policySetId = `rampart-policies-${gen}`;
    const s = cedar.preparseSchema(schemaId, set.schema);
    if (s.type !== 'success') throw new Error(`schema: ${s.errors.map((e) => e.message).join('; ')}`);
    const p = cedar.preparsePolicySet(policySetId, { staticPolicies: set.policies });
    if (p.type !== 'success') throw new Error(`policies: ${p.errors.map((e) => e.message).join('; ')}`);
    this.schemaId = schemaId;
    this.policySetId = policySetId;
    this.current = set;
    this.cache.clear();
  }

  invalidate(): void {
    this.cache.clear();
  }

  close(): void {
    this.unsubscribe?.();
  }

  get cacheSize(): number {
    return this.cache.size;
  }

  private resourceKey(r: Resource): string {
    if (r.type !== 'Model') return `${r.type}:${r.type === 'Gateway' ? '' : r.id}`;
    let k = this.modelKeys.get(r.model);
    if (k === undefined) {
      const m = r.model;
      const providers = [...new Set(m.deployments.map((d) => d.provider))].join(',');
      k = JSON.stringify(['Model', m.name, providers, m.tier, m.stage, m.fineTuned, m.costClass, m.dataClassifications, m.type, m.region ?? null]);
      this.modelKeys.set(r.model, k);
    }
    return k;
  }

  decide(principal: Principal, action: AnyAction, resource: Resource, context: AuthzContext): Decision {
    const clock = this.clock.at(context.at ?? this.now());
    const p = principal;
    const key =
      `${p.id}\u0001${p.roles.join(',')}\u0001${p.team ?? ''}\u0001${p.application ?? ''}\u0001${p.name}\u0001${p.authMethod}\u0001${p.mfa}` +
      `\u0001${action}\u0001${this.resourceKey(resource)}` +
      `\u0001${context.sourceIp}\u0001${clock.hour}\u0001${clock.dayOfWeek}\u0001${context.guardrails?.join(',') ?? ''}` +
      `\u0001${context.streaming ?? false}\u0001${context.maxTokens ?? ''}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const d = this.evaluate(p, action, resource, context, clock);
    this.cache.set(key, { ...d, cached: true });
    return d;
  }

  private evaluate(p: Principal, action: AnyAction, resource: Resource, context: AuthzContext, clock: { hour: number; dayOfWeek: number }): Decision {
    if (normalizeIp(context.sourceIp) === undefined) return { decision: 'deny', policyIds: [], errors: [`sourceIp is not an IP address`] };
    let answer: cedar.AuthorizationAnswer;
    try {
      answer = cedar.statefulIsAuthorized({
        principal: { type: p.kind === 'api_key' ? 'ApiKey' : 'User', id: p.id },
        action: { type: 'Action', id: action },
        resource: resourceUid(resource),
        context: buildContext(p, context, clock),
        entities: buildEntities(p, resource),
        preparsedSchemaName: this.schemaId,
        preparsedPolicySetId: this.policySetId,
        validateRequest: true,
      });
    } catch (err) {
      return { decision: 'deny', policyIds: [], errors: [`authorizer failed: ${(err as Error).message}`] };
    }
    if (answer.type !== 'success') return { decision: 'deny', policyIds: [], errors: answer.errors.map((e) => e.message) };
    const errors = [
      ...answer.response.diagnostics.errors.map((e) => `${e.policyId}: ${e.error.message}`),
      ...answer.warnings.map((w) => `warning: ${w.message}`),
    ];
    const policyIds = answer.response.diagnostics.reason;
    // An erroring policy is skipped by Cedar; were it a forbid, the request would slip through.
    if (errors.length > 0) return { decision: 'deny', policyIds, errors };
    return { decision: answer.response.decision, policyIds, errors };
  }

  /** The catalog models `principal` may invoke (Embed for embedding models), for GET /v1/models. */
  allowedModels(principal: Principal, models: Iterable<CompiledModel>, context: AuthzContext): CompiledModel[] {
    const out: CompiledModel[] = [];
    for (const m of models) {
      const action = m.type === 'embedding' ? 'Embed' : 'InvokeModel';
      if (this.decide(principal, action, { type: 'Model', model: m }, context).decision === 'allow') out.push(m);
    }
    return out;
  }
}
