import type { RequestContext } from './context.js';
import type { StreamEvent } from '../translate/ir.js';

/**
 * The request path, in the one place its order is fixed:
 *   authenticate -> authorize -> limit -> guardInput -> route -> guardOutput -> record
 * Each stage reads and writes the shared RequestContext and throws a RampartError to stop the
 * request (the face answers it in the caller's wire format). A stage that is not configured is
 * absent and costs nothing.
 */
export const STAGE_ORDER = ['authenticate', 'authorize', 'limit', 'guardInput', 'route', 'guardOutput', 'record'] as const;
export type StageName = (typeof STAGE_ORDER)[number];

export interface Stage {
  readonly name: StageName;
  /** Runs before the answer is sent. May complete synchronously (returns undefined). */
  run(ctx: RequestContext): void | Promise<void>;
}

/** authenticate: turns the presented credential into ctx.principal or throws unauthorized. */
export interface AuthenticateStage extends Stage { readonly name: 'authenticate' }

/** authorize: sets ctx.decision; throws forbidden on deny (any evaluation error is a deny). */
export interface AuthorizeStage extends Stage { readonly name: 'authorize' }

/** limit: admits or throws rate_limited; `settle` runs after the answer with the final usage. */
export interface LimitStage extends Stage {
  readonly name: 'limit';
  settle(ctx: RequestContext): void;
}

/** guardInput: may rewrite ctx.chat (anonymisation) or throw guardrail_intervened. */
export interface GuardInputStage extends Stage { readonly name: 'guardInput' }

/** route: calls the upstream; sets ctx.response, ctx.stream or ctx.embedding. */
export interface RouteStage extends Stage { readonly name: 'route' }

/**
 * guardOutput: checks ctx.response in `run`; for streams it wraps the event iterable so that it
 * can hold, rewrite or cut events as they pass.
 */
export interface GuardOutputStage extends Stage {
  readonly name: 'guardOutput';
  wrapStream(ctx: RequestContext, events: AsyncIterable<StreamEvent>): AsyncIterable<StreamEvent>;
}

/** record: called exactly once per request after the answer is complete; must never block. */
export interface RecordStage {
  readonly name: 'record';
  record(ctx: RequestContext): void;
}

export interface Stages {
  authenticate: AuthenticateStage;
  authorize?: AuthorizeStage;
  limit?: LimitStage;
  guardInput?: GuardInputStage;
  route: RouteStage;
  guardOutput?: GuardOutputStage;
  record?: RecordStage;
}
