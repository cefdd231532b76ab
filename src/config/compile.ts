import type { Config, DataClass, Stage, Tier } from './schema.js';
import type { Deployment } from '../providers/types.js';

/** A catalog model as the hot path sees it. */
export interface CompiledModel {
  name: string;
  type: 'chat' | 'embedding';
  deployments: Deployment[];
  tier: Tier;
  stage: Stage;
  region?: string;
  fineTuned: boolean;
  costClass: 'low' | 'standard' | 'high';
  dataClassifications: DataClass[];
}

export function compileModels(cfg: Config): Map<string, CompiledModel> {
  const out = new Map<string, CompiledModel>();
  for (const m of cfg.models) {
    out.set(m.name, {
      name: m.name,
      type: m.type,
      deployments: m.deployments.map((d) => ({
        id: d.id ?? `${d.provider}/${d.model}`,
        provider: d.provider,
        upstreamModel: d.model,
        weight: d.weight,
        region: d.region ?? m.region,
      })),
      tier: m.tier,
      stage: m.stage,
      region: m.region,
      fineTuned: m.fineTuned,
      costClass: m.costClass,
      dataClassifications: m.dataClassifications,
    });
  }
  return out;
}
