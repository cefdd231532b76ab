/** An authorization decision with its reasons, for the audit trail. */
export interface Decision {
  decision: 'allow' | 'deny';
  /** Ids of the policies that determined the decision. */
  policyIds: string[];
  /** Evaluation errors or diagnostics; any error makes the decision a deny. */
  errors: string[];
  /** Cached decisions are marked so benchmarks and audits can tell. */
  cached?: boolean;
}

export type Action =
  | 'InvokeModel'
  | 'InvokeModelWithResponseStream'
  | 'Embed'
  | 'ListModels'
  | 'ApplyGuardrail';

/** Administrative actions (admin API, CLI); grouped under Action::"Admin" in the schema. */
export type AdminAction =
  | 'ManageKeys'
  | 'ManagePolicies'
  | 'ManageGuardrails'
  | 'ManageModels'
  | 'ManageApplications'
  | 'ApproveModel'
  | 'ReadInvocationLogs'
  | 'ReadAuditTrail';

export type AnyAction = Action | AdminAction;
