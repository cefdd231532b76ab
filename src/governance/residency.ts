/**
 * The catalog's effect on the compiled models (stage, tier, region... override the config's defaults) and data
 * residency (an application's allowed regions filter the deployments its calls may reach).
 */
import type { CompiledModel } from '../config/compile.js';
import type { Deployment } from '../providers/types.js';
import type { Application, CatalogEntry, DataClass } from './types.js';

/** A compiled model with the catalog's training-data classification (posture reads it; the hot path ignores it). */
export type GovernedModel = CompiledModel & { trainingDataClassification?: DataClass; owner?: string; modelCard?: string };

/**
 * Returns a new map where each model named in the catalog takes the catalog's governance fields. Deployments without a
 * region of their own inherit the catalog's region, as they inherit the config model's. Catalog entries for models the
 * config does not serve (proposed, no deployments yet) are ignored: the catalog never creates routes.
 */
export function applyCatalog(
  models: ReadonlyMap<string, CompiledModel>,
  overrides: ReadonlyMap<string, CatalogEntry> | readonly CatalogEntry[],
): Map<string, GovernedModel> {
  const byName = overrides instanceof Map ? overrides : new Map((overrides as readonly CatalogEntry[]).map((e) => [e.name, e]));
  const out = new Map<string, GovernedModel>();
  for (const [name, m] of models) {
    const e = byName.get(name);
    if (!e) {
      out.set(name, m);
      continue;
    }
    const region = e.region ?? m.region;
    const g: GovernedModel = {
      ...m,
      tier: e.tier,
      stage: e.stage,
      region,
      fineTuned: e.fineTuned || e.tier === 'fine-tuned' || m.fineTuned,
      costClass: e.costClass,
      dataClassifications: [...e.dataClassifications],
      deployments: m.deployments.map((d) => (d.region !== undefined || region === undefined ? d : { ...d, region })),
    };
    if (e.trainingDataClassification) g.trainingDataClassification = e.trainingDataClassification;
    if (e.owner) g.owner = e.owner;
    if (e.modelCard) g.modelCard = e.modelCard;
    out.set(name, g);
  }
  return out;
}

/**
 * The deployments an application's call may use. With allowed regions, a deployment in another region or of unknown
 * region is left out (fail closed: an unlabelled deployment could be anywhere). Fallbacks go through the same filter.
 */
export function allowedDeployments(app: Pick<Application, 'allowedRegions'> | undefined, model: Pick<CompiledModel, 'deployments'>): Deployment[] {
  const regions = app?.allowedRegions;
  if (!regions) return model.deployments;
  return model.deployments.filter((d) => d.region !== undefined && regions.includes(d.region));
}
