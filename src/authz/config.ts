import { resolve } from 'node:path';
import { z } from 'zod';
import type { Store } from '../store/types.js';
import { Authorizer } from './authorizer.js';
import { loadPolicies, PolicyLoadError } from './policies.js';
import { createAuthorizeStage, type AuthorizeStageOptions } from './stage.js';

/** The `authz:` section of rampart.yaml and the factory that loads its policies. */

export const AuthzConfigSchema = z
  .object({
    /** Directory of the deployment's Cedar policies, relative to the config file. */
    policyDir: z.string().optional(),
    /** Load the shipped role policies (policies/roles) too. */
    shippedRoles: z.boolean().default(true),
    /** IANA time zone for context.hour / context.dayOfWeek. */
    timeZone: z
      .string()
      .default('UTC')
      .refine((tz) => {
        // UTC needs no check; constructing a zoned formatter loads ICU's zone data (~4 MB resident).
        if (tz === 'UTC') return true;
        try {
          new Intl.DateTimeFormat('en-US', { timeZone: tz });
          return true;
        } catch {
          return false;
        }
      }, 'an IANA time zone such as Europe/Paris'),
    decisionCacheSize: z.number().int().min(1).max(1_000_000).default(10_000),
  })
  .strict();

export type AuthzConfig = z.infer<typeof AuthzConfigSchema>;

export interface Authz {
  authorizer: Authorizer;
  stage(opts?: Omit<AuthorizeStageOptions, 'authorizer'>): ReturnType<typeof createAuthorizeStage>;
  /** Re-reads the policy files; on any problem the current set stays in force and the problems are returned. */
  reload(): { ok: true; policies: number } | { ok: false; problems: string[] };
  close(): void;
}

/** Loads and validates the policies; throws PolicyLoadError (file:line per problem) so start is refused. */
export function createAuthz(cfg: AuthzConfig, deps: { baseDir: string; store?: Store }): Authz {
  const load = () => loadPolicies({ dir: cfg.policyDir ? resolve(deps.baseDir, cfg.policyDir) : undefined, shippedRoles: cfg.shippedRoles });
  const authorizer = new Authorizer({ policies: load(), timeZone: cfg.timeZone, cacheSize: cfg.decisionCacheSize, store: deps.store });
  return {
    authorizer,
    stage: (opts = {}) => createAuthorizeStage({ ...opts, authorizer }),
    reload() {
      try {
        const set = load();
        authorizer.load(set);
        return { ok: true, policies: set.sources.length };
      } catch (e) {
        return { ok: false, problems: e instanceof PolicyLoadError ? e.problems : [(e as Error).message] };
      }
    },
    close: () => authorizer.close(),
  };
}
