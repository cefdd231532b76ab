import type { Deployment } from '../providers/types.js';
import type { DeploymentHealth } from './health.js';
import type { RoutingStrategy } from './schema.js';

export interface Candidate { d: Deployment; h: DeploymentHealth }

/** Weighted random permutation (Efraimidis-Spirakis): each deployment once, heavier ones earlier. */
export function weightedOrder<T extends { weight: number }>(ds: readonly T[], random: () => number): T[] {
  if (ds.length === 1) return ds[0].weight > 0 ? [ds[0]] : [];
  return ds
    .filter((d) => d.weight > 0)
    .map((d) => ({ d, k: Math.pow(random(), 1 / d.weight) }))
    .sort((a, b) => b.k - a.k)
    .map((x) => x.d);
}

/**
 * The order to try deployments in. Weighted: random by weight. Least-busy: fewest calls in
 * flight per unit of weight. Lowest-latency: smallest moving average (unmeasured ones first, so
 * every deployment gets measured). Ties keep the weighted-random order, which spreads load.
 */
export function orderCandidates(cs: readonly Candidate[], strategy: RoutingStrategy, random: () => number, explore = false): Candidate[] {
  const base = weightedOrder(cs.map((c) => ({ weight: c.d.weight, c })), random).map((x) => x.c);
  if (strategy === 'least-busy') return base.sort((a, b) => a.h.inflight / a.d.weight - b.h.inflight / b.d.weight);
  // `explore`: one request in EXPLORE_EVERY goes by weight, so a deployment that was slow once
  // is measured again instead of being starved forever by its old average.
  if (strategy === 'lowest-latency' && !explore) return base.sort((a, b) => (a.h.latencyMs ?? 0) - (b.h.latencyMs ?? 0));
  return base;
}

export const EXPLORE_EVERY = 20;
