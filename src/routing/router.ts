import type { RouteStage } from '../pipeline/stages.js';
import type { Deployment } from '../providers/types.js';
import { UpstreamError } from '../providers/types.js';
import { RampartError } from '../errors.js';

export interface RouteDeps {
  /** Random source, injectable for tests. */
  random?: () => number;
}

/**
 * Calls the model's deployments in weighted-random order, falling back to the next one when the
 * upstream fails in a retryable way before anything reached the client (429, 5xx, timeouts,
 * connection errors). Client errors and guardrail blocks never fall back.
 */
export function createRouteStage(deps: RouteDeps = {}): RouteStage {
  const random = deps.random ?? Math.random;
  return {
    name: 'route',
    async run(ctx) {
      const model = ctx.model;
      if (!model) throw new RampartError('model_not_found');
      // The providers of the config the request started under (a reload never swaps them mid-request).
      const providers = ctx.runtime.providers;
      let last: unknown;
      for (const d of weightedOrder(model.deployments, random)) {
        const provider = providers.get(d.provider);
        if (!provider) continue;
        ctx.deployment = d;
        ctx.attempts++;
        const call = { requestId: ctx.requestId, signal: ctx.signal };
        try {
          if (ctx.embed) ctx.embedding = await provider.embed({ ...ctx.embed, model: d.upstreamModel }, d, call);
          else if (ctx.chat?.stream) ctx.stream = await provider.chatStream(ctx.chat, d, call);
          else if (ctx.chat) ctx.response = await provider.chat(ctx.chat, d, call);
          return;
        } catch (err) {
          last = err;
          if (ctx.signal.aborted) throw err;
          if (!(err instanceof UpstreamError) || !err.retryable || err.midStream) throw err;
        }
      }
      throw last ?? new RampartError('upstream_unavailable');
    },
  };
}

/** Weighted random permutation (Efraimidis-Spirakis): each deployment once, heavier ones earlier. */
export function weightedOrder(ds: readonly Deployment[], random: () => number): Deployment[] {
  return ds
    .filter((d) => d.weight > 0)
    .map((d) => ({ d, k: Math.pow(random(), 1 / d.weight) }))
    .sort((a, b) => b.k - a.k)
    .map((x) => x.d);
}
