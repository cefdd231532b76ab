import type { EntityJson, Context as CedarContext } from '@cedar-policy/cedar-wasm/web';
import type { CompiledModel } from '../config/compile.js';
import type { Principal } from '../identity/types.js';
import { normalizeIp } from '../identity/network.js';

/** What a decision is about, in the schema's terms (policies/schema.cedarschema). */
export type Resource =
  | { type: 'Model'; model: CompiledModel }
  | { type: 'Gateway' }
  | { type: 'Guardrail'; id: string }
  | { type: 'Application'; id: string };

/** The request facts policies may read. hour/dayOfWeek are derived from `at` by the authorizer. */
export interface AuthzContext {
  sourceIp: string;
  /** Epoch ms; default now. */
  at?: number;
  guardrails?: readonly string[];
  streaming?: boolean;
  maxTokens?: number;
}

export function principalType(p: Principal): 'User' | 'ApiKey' {
  return p.kind === 'api_key' ? 'ApiKey' : 'User';
}

export function resourceUid(r: Resource): { type: string; id: string } {
  switch (r.type) {
    case 'Model':
      return { type: 'Model', id: r.model.name };
    case 'Gateway':
      return { type: 'Gateway', id: 'rampart' };
    case 'Guardrail':
      return { type: 'Guardrail', id: r.id };
    case 'Application':
      return { type: 'Application', id: r.id };
  }
}

/** The entity slice for one request: principal with its roles/team/app parents, and the resource. */
export function buildEntities(p: Principal, r: Resource): EntityJson[] {
  // a repeated role would be a duplicate entity, which Cedar refuses (a deny): list each once
  const roles = p.roles.length > 1 ? [...new Set(p.roles)] : p.roles;
  const parents: { type: string; id: string }[] = roles.map((id) => ({ type: 'Role', id }));
  const out: EntityJson[] = roles.map((id) => ({ uid: { type: 'Role', id }, attrs: {}, parents: [] }));
  const attrs: EntityJson['attrs'] = { name: p.name };
  if (p.team) {
    parents.push({ type: 'Team', id: p.team });
    out.push({ uid: { type: 'Team', id: p.team }, attrs: {}, parents: [] });
    attrs.team = { __entity: { type: 'Team', id: p.team } };
  }
  if (p.application) {
    parents.push({ type: 'Application', id: p.application });
    out.push({ uid: { type: 'Application', id: p.application }, attrs: {}, parents: [] });
    attrs.application = { __entity: { type: 'Application', id: p.application } };
  }
  out.push({ uid: { type: principalType(p), id: p.id }, attrs, parents });
  if (r.type === 'Model') {
    const m = r.model;
    const providers = [...new Set(m.deployments.map((d) => d.provider))];
    const mattrs: EntityJson['attrs'] = {
      provider: providers[0] ?? '',
      providers,
      tier: m.tier,
      stage: m.stage,
      fineTuned: m.fineTuned,
      costClass: m.costClass,
      dataClassifications: [...m.dataClassifications],
      type: m.type,
    };
    if (m.region) mattrs.region = m.region;
    out.push({ uid: { type: 'Model', id: m.name }, attrs: mattrs, parents: [] });
  } else if (!(r.type === 'Application' && r.id === p.application)) {
    out.push({ uid: resourceUid(r), attrs: {}, parents: [] });
  }
  return out;
}

export interface ClockFacts {
  hour: number;
  dayOfWeek: number;
}

export function buildContext(p: Principal, c: AuthzContext, clock: ClockFacts): CedarContext {
  // IPv4-mapped IPv6 becomes dotted quad so `isInRange(ip("10.0.0.0/8"))` matches it; an address
  // that does not parse fails the request validation, which is a deny.
  const ip = normalizeIp(c.sourceIp) ?? c.sourceIp;
  const ctx: CedarContext = {
    sourceIp: { __extn: { fn: 'ip', arg: ip } },
    hour: clock.hour,
    dayOfWeek: clock.dayOfWeek,
    authMethod: p.authMethod,
    mfa: p.mfa,
    guardrails: c.guardrails ? [...c.guardrails] : [],
    streaming: c.streaming ?? false,
  };
  if (c.maxTokens !== undefined) ctx.maxTokens = c.maxTokens;
  return ctx;
}
