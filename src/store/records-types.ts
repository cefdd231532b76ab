/**
 * Storage contract of the records subsystem (src/records/): invocation records, the per-instance audit hash chains,
 * the signed digests over them and the per-subject payload keys used for crypto-shredding.
 *
 * The `body` of a row is authoritative and is what the hash covers; the other columns are copies kept only so
 * queries can filter without parsing JSON. Inserts are idempotent (a replayed spool may deliver a row twice).
 */

/** One model call, as written by the recorder. */
export interface InvocationRow {
  requestId: string;
  time: Date;
  instanceId: string;
  action: string;
  principalId?: string;
  application?: string;
  model?: string;
  status?: number;
  errorCode?: string;
  decision?: string;
  /** The strongest guardrail action of the call: NONE, ANONYMIZED or INTERVENED. */
  guardrailAction?: string;
  /** The data subject whose key encrypts the payload (crypto-shredding), when per-subject encryption is on. */
  subject?: string;
  /** Hex SHA-256 of `body`. */
  hash: string;
  /** Canonical JSON of the InvocationRecord. */
  body: string;
}

/** One audit event, sealed into its instance's chain. */
export interface AuditRow {
  instanceId: string;
  seq: number;
  eventId: string;
  time: Date;
  eventName: string;
  principalId?: string;
  application?: string;
  decision?: string;
  errorCode?: string;
  readOnly: boolean;
  prevHash: string;
  /** Hex SHA-256 of `body`, which itself names instanceId, seq and prevHash. */
  hash: string;
  body: string;
}

/** A signed digest: body is canonical JSON, signature is Ed25519 over the body bytes, base64. */
export interface DigestRow {
  seq: number;
  time: Date;
  keyFingerprint: string;
  body: string;
  signature: string;
}

export interface SubjectKeyRow {
  subject: string;
  keyId: string;
  /** The data key wrapped (AES-256-GCM) under a master key; see src/records/crypto.ts. */
  wrapped: string;
  createdAt: Date;
}

/** Filters shared by invocation and audit queries; every field is optional and they combine with AND. */
export interface RecordsFilter {
  since?: Date;
  until?: Date;
  principalId?: string;
  application?: string;
  /** Invocation records only. */
  model?: string;
  /** The action (InvokeModel, ...) of an invocation or the eventName of an audit event. */
  action?: string;
  decision?: string;
  /** Invocation records only. */
  guardrailAction?: string;
  errorCode?: string;
  /** Newest first; default 100, at most 10,000. */
  limit?: number;
}

export interface RecordsStore {
  /** Idempotent on requestId. */
  insertInvocations(rows: InvocationRow[]): Promise<void>;
  /**
   * A delivery batch: the audit events and the invocation records they vouch for. All or nothing per table, and the
   * audit events are committed no later than the invocation records, so an invocation row never exists without its
   * event. Idempotent like appendAudit and insertInvocations: a failed batch is retried whole.
   */
  writeBatch(batch: { audit: AuditRow[]; invocations: InvocationRow[] }): Promise<void>;
  queryInvocations(filter: RecordsFilter): Promise<InvocationRow[]>;
  getInvocation(requestId: string): Promise<InvocationRow | undefined>;
  /** Idempotent on (instanceId, seq). */
  appendAudit(rows: AuditRow[]): Promise<void>;
  queryAudit(filter: RecordsFilter): Promise<AuditRow[]>;
  /** Events of one instance with seq > afterSeq in seq order, at most `limit` (the verifier pages through). */
  readAudit(instanceId: string, afterSeq: number, limit: number): Promise<AuditRow[]>;
  /**
   * The verifier's lean read: [seq, hash, body, eventName] tuples of one instance with seq > afterSeq, in seq order.
   * Tuples rather than rows because verification reads every event and must stay above 100,000 events/s.
   */
  readChain(instanceId: string, afterSeq: number, limit: number): Promise<Array<[number, string, string, string]>>;
  /** Every instance with events, with its lowest and highest seq and the hash at the highest. */
  auditHeads(): Promise<Array<{ instanceId: string; firstSeq: number; lastSeq: number; lastHash: string }>>;
  /** The newest event of one instance (an index lookup, unlike auditHeads), for a recorder resuming its chain. */
  auditHead(instanceId: string): Promise<{ seq: number; hash: string } | undefined>;
  /** The hash stored at (instanceId, seq), if present. */
  auditHash(instanceId: string, seq: number): Promise<string | undefined>;
  /** Deletes events of one instance with seq <= throughSeq; returns how many. */
  deleteAuditThrough(instanceId: string, throughSeq: number): Promise<number>;
  /** The newest event of an instance with time < before, for retention. */
  lastAuditBefore(instanceId: string, before: Date): Promise<number | undefined>;
  deleteInvocationsBefore(before: Date): Promise<number>;
  /** Fails with StoreConflictError when that digest seq exists (two writers raced). */
  appendDigest(row: DigestRow): Promise<void>;
  /** All digests in seq order (they are small: one per interval). */
  listDigests(): Promise<DigestRow[]>;
  putSubjectKey(row: SubjectKeyRow): Promise<void>;
  getSubjectKeys(subject: string): Promise<SubjectKeyRow[]>;
  /** Destroys every key of the subject; returns how many. */
  deleteSubjectKeys(subject: string): Promise<number>;
  /**
   * Runs fn while holding a named cross-instance lock (PostgreSQL advisory lock, SQLite lease row). Resolves
   * undefined without running fn when another holder has it: digests and retention have one writer at a time.
   */
  withLock<T>(name: string, fn: () => Promise<T>): Promise<T | undefined>;
}
