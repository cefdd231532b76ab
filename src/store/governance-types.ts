/**
 * Storage contract of the governance subsystem (src/governance/): the model catalog's governance records, the
 * application registry, approval requests, and security-assessment results.
 *
 * Catalog entries, applications and approvals are versioned JSON documents: the governance library validates them
 * (zod) on the way in and out, the store only keeps them. Every write names the version it expects, so two
 * approvers acting at once cannot both move a model (the loser gets StoreConflictError and retries on fresh state).
 */

export type GovernanceDocKind = 'model' | 'application' | 'approval';

export interface GovernanceDoc {
  kind: GovernanceDocKind;
  id: string;
  /** 1 for a new document, +1 on every write. */
  version: number;
  updatedAt: Date;
  /** JSON text. */
  body: string;
}

export interface AssessmentRow {
  id: string;
  time: Date;
  application?: string;
  model?: string;
  /** JSON text of the assessment result. */
  body: string;
}

export interface AssessmentFilter {
  application?: string;
  model?: string;
  since?: Date;
  until?: Date;
  /** Newest first; default 100, at most 10,000. */
  limit?: number;
}

export interface GovernanceStore {
  getDoc(kind: GovernanceDocKind, id: string): Promise<GovernanceDoc | undefined>;
  /** Ordered by id. */
  listDocs(kind: GovernanceDocKind): Promise<GovernanceDoc[]>;
  /**
   * Writes a document when its stored version equals `expectedVersion` (0: it must not exist yet) and returns the
   * new version. Fails with StoreConflictError otherwise.
   */
  putDoc(kind: GovernanceDocKind, id: string, body: string, expectedVersion: number, at?: Date): Promise<number>;
  /** True when a document was deleted. */
  deleteDoc(kind: GovernanceDocKind, id: string): Promise<boolean>;
  /** Fails with StoreConflictError on a duplicate id. */
  insertAssessment(row: AssessmentRow): Promise<void>;
  listAssessments(filter: AssessmentFilter): Promise<AssessmentRow[]>;
}

export function assessmentLimit(limit: number | undefined): number {
  if (limit === undefined) return 100;
  if (!Number.isSafeInteger(limit) || limit < 1) throw new TypeError('store: limit must be a positive integer');
  return Math.min(limit, 10_000);
}
