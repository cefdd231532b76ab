/**
 * Governance changes and refusals go to the audit trail through one injected function, so the library does not
 * depend on how the gateway records (the Recorder in the server, appendAdminEvent in the CLI, an array in tests).
 */
import { randomUUID } from 'node:crypto';
import type { AuditEventInput } from '../records/types.js';
import type { Actor } from './types.js';

export type GovernanceEventName =
  | 'ProposeModel'
  | 'UpdateModel'
  | 'RequestModelTransition'
  | 'ApproveModelTransition'
  | 'RejectModelTransition'
  | 'CancelModelTransition'
  | 'ApplyModelTransition'
  | 'AttachAssessment'
  | 'CreateApplication'
  | 'UpdateApplication'
  | 'DeleteApplication'
  | 'RunAssessment';

export interface GovernanceEvent {
  eventName: GovernanceEventName;
  actor: Actor;
  resource: { type: 'Model' | 'Application' | 'Approval'; id: string };
  outcome: 'success' | 'refused';
  /** Why: the actor's stated reason, or the refusal's reason. */
  reason?: string;
  errorCode?: string;
  details?: unknown;
  before?: unknown;
  after?: unknown;
}

export type AuditFn = (e: GovernanceEvent) => Promise<unknown> | unknown;

/** Adapts governance events to the records library (Recorder.audit or appendAdminEvent bound to a store). */
export function auditVia(
  write: (input: AuditEventInput) => Promise<unknown>,
  base: { requestId?: () => string; sourceIPAddress?: string; userAgent?: string } = {},
): AuditFn {
  return (e) =>
    write({
      eventName: e.eventName,
      eventSource: 'rampart.admin',
      eventTime: new Date(),
      requestId: base.requestId?.() ?? `gov_${randomUUID()}`,
      principal: { id: e.actor.id, kind: 'user', name: e.actor.id, authMethod: 'admin', roles: [...e.actor.roles] },
      sourceIPAddress: base.sourceIPAddress,
      userAgent: base.userAgent,
      requestParameters: { resource: e.resource, reason: e.reason, details: e.details },
      responseElements: { outcome: e.outcome, before: e.before, after: e.after },
      errorCode: e.errorCode,
      readOnly: false,
    });
}
