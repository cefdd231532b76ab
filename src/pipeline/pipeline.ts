import { performance } from 'node:perf_hooks';
import type { RequestContext } from './context.js';
import type { Stages } from './stages.js';

/**
 * Runs the stages after authentication and decoding, in STAGE_ORDER: authorize -> limit ->
 * guardInput -> route -> guardOutput. (authenticate runs before the body is decoded, so an
 * unauthenticated caller learns nothing about request validation; record runs in `finish`.)
 * A stage returning undefined costs no microtask.
 */
export async function runStages(stages: Stages, ctx: RequestContext): Promise<void> {
  if (stages.authorize) { const p = stages.authorize.run(ctx); if (p) await p; }
  if (stages.limit) { const p = stages.limit.run(ctx); if (p) await p; }
  if (stages.guardInput) { const p = stages.guardInput.run(ctx); if (p) await p; }
  { const p = stages.route.run(ctx); if (p) await p; }
  if (stages.guardOutput) {
    if (ctx.stream) ctx.stream = stages.guardOutput.wrapStream(ctx, ctx.stream);
    else if (ctx.response) { const p = stages.guardOutput.run(ctx); if (p) await p; }
  }
}

/** Exactly once per request, after the answer: settle limits, then record. Never throws. */
export function finish(stages: Stages, ctx: RequestContext, onError: (err: unknown) => void): void {
  ctx.finishedAt ??= performance.now();
  try { stages.limit?.settle(ctx); } catch (err) { onError(err); }
  try { stages.record?.record(ctx); } catch (err) { onError(err); }
}
