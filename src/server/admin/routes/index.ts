import type { AdminRoute } from '../types.js';
import { keyRoutes, type KeyRouteDeps } from './keys.js';
import { guardrailRoutes, type GuardrailRouteDeps } from './guardrails.js';
import { governanceRoutes, type GovernanceRouteDeps } from './governance.js';
import { recordRoutes, type RecordRouteDeps } from './records.js';

export interface CoreAdminDeps extends KeyRouteDeps, Omit<GovernanceRouteDeps, 'store'>, Omit<RecordRouteDeps, 'records'> {
  /** API-created guardrails; without it the guardrail routes are not mounted. */
  guardrails?: GuardrailRouteDeps;
}

/** Every built-in admin route: keys and SigV4 credentials, guardrails, policies, emergency switch, records. */
export function coreAdminRoutes(deps: CoreAdminDeps): AdminRoute[] {
  return [
    ...keyRoutes(deps),
    ...(deps.guardrails ? guardrailRoutes(deps.guardrails) : []),
    ...governanceRoutes(deps),
    ...recordRoutes({ records: deps.store.records, trustedKeys: deps.trustedKeys, eraseSubject: deps.eraseSubject }),
  ];
}
