import type { CompiledModel } from '../config/compile.js';
import type { DataClass, Stage, Tier } from '../config/schema.js';
import type { Principal } from '../identity/types.js';

/** Builders shared by the authorization tests and bench/authz.ts. */

export const TIERS: readonly Tier[] = ['sandbox', 'general', 'fine-tuned', 'specialized'];
export const STAGES: readonly Stage[] = ['proposed', 'evaluation', 'approved', 'deprecated', 'retired'];

export function model(name: string, over: Partial<CompiledModel> = {}): CompiledModel {
  return {
    name,
    type: 'chat',
    deployments: [{ id: `demo/${name}`, provider: 'demo', upstreamModel: name, weight: 1 }],
    tier: 'general',
    stage: 'approved',
    fineTuned: false,
    costClass: 'standard',
    dataClassifications: ['public', 'internal'] as DataClass[],
    ...over,
  };
}

/** A model of a tier as the catalog would describe it: fine-tuned tier is fineTuned, specialized is costly. */
export function tierModel(tier: Tier, stage: Stage): CompiledModel {
  return model(`${tier}-${stage}`, { tier, stage, fineTuned: tier === 'fine-tuned', costClass: tier === 'specialized' ? 'high' : 'standard' });
}

export function keyPrincipal(roles: string[], over: Partial<Principal> = {}): Principal {
  return { id: `apikey:key_${roles.join('_') || 'none'}`, kind: 'api_key', name: 'test key', roles, authMethod: 'api_key', mfa: false, keyId: 'key_x', ...over };
}
