import type { CompiledModel } from '../config/compile.js';
import { RampartError } from '../errors.js';
import type { RequestContext } from '../pipeline/context.js';
import type { AuthorizeStage } from '../pipeline/stages.js';
import type { Authorizer } from './authorizer.js';
import type { Resource } from './entities.js';

/**
 * The authorize stage: resolves the resource (the catalog model the request names; the gateway for
 * ListModels; the guardrail for ApplyGuardrail), asks the authorizer, records the decision on the
 * context for the audit trail, and throws forbidden on deny.
 * Model names are looked up exactly: `gpt-4*`, `../x` or look-alike unicode are plain names that
 * match no catalog entry.
 */

export interface AuthorizeStageOptions {
  authorizer: Authorizer | (() => Authorizer);
  /** The catalog; default the request's own runtime (ctx.runtime.models). */
  models?: () => ReadonlyMap<string, CompiledModel>;
  /** Ids of the guardrails that will run on this request (context.guardrails). */
  guardrailsFor?: (ctx: RequestContext) => readonly string[];
  /** The guardrail an ApplyGuardrail request names. */
  guardrailIdOf?: (ctx: RequestContext) => string | undefined;
  /** The model as governance has it now (catalog stage, tier...), applied before Cedar sees it. */
  govern?: (model: CompiledModel) => CompiledModel;
}

export function createAuthorizeStage(opts: AuthorizeStageOptions): AuthorizeStage {
  const authorizer = typeof opts.authorizer === 'function' ? opts.authorizer : () => opts.authorizer as Authorizer;
  return {
    name: 'authorize',
    run(ctx: RequestContext): void {
      const principal = ctx.principal;
      // fail closed: a pipeline wired without authenticate must not authorize anybody
      if (!principal) throw new RampartError('unauthorized');
      let resource: Resource;
      switch (ctx.action) {
        case 'ListModels':
          resource = { type: 'Gateway' };
          break;
        case 'ApplyGuardrail': {
          const id = opts.guardrailIdOf?.(ctx);
          if (!id) throw new RampartError('bad_request', { message: 'No guardrail named.' });
          resource = { type: 'Guardrail', id };
          break;
        }
        default: {
          const name = ctx.chat?.model ?? ctx.embed?.model;
          if (typeof name !== 'string' || name.length === 0) throw new RampartError('bad_request', { message: 'No model named.', param: 'model' });
          const model = (opts.models ? opts.models() : ctx.runtime.models).get(name);
          if (!model) throw new RampartError('model_not_found', { message: 'No such model.', param: 'model' });
          ctx.model = opts.govern ? opts.govern(model) : model;
          resource = { type: 'Model', model: ctx.model };
        }
      }
      const decision = authorizer().decide(principal, ctx.action, resource, {
        sourceIp: ctx.sourceIp,
        at: ctx.startedAt.getTime(),
        guardrails: opts.guardrailsFor?.(ctx),
        streaming: ctx.chat?.stream ?? false,
        maxTokens: ctx.chat?.maxTokens,
      });
      ctx.decision = decision;
      if (decision.decision !== 'allow') {
        const reason =
          decision.errors.length > 0
            ? 'The authorization policy could not be evaluated.'
            : decision.policyIds.length > 0
              ? `Denied by policy ${decision.policyIds.join(', ')}.`
              : `No policy permits ${ctx.action}${resource.type === 'Model' ? ` on model ${resource.model.name}` : ''}.`;
        throw new RampartError('forbidden', { message: reason });
      }
    },
  };
}
