/**
 * Retention and other out-of-band admin writes that run outside a gateway process (CLI, scheduled job).
 *
 * Audit events are deleted only up to a digest boundary (the last event a digest signed), so the first remaining
 * event still links to a signed head; the deletion is itself an audit event, written before the delete, and every
 * retention event restates the deleted-through seq of every chain, so the newest one alone explains every gap.
 * Runs under a store lock: one retention writer at a time across instances.
 */
import type { RecordsStore } from '../store/records-types.js';
import { AuditChain } from './audit.js';
import type { DigestBody } from './digest.js';
import type { AuditEventInput, PrincipalSummary } from './types.js';

/** The chain of events written by admin tools (retention, CLI erasure), one writer at a time under a lock. */
export const ADMIN_CHAIN = 'rampart-admin';
const ADMIN_LOCK = 'admin-chain';
export const RETENTION_LOCK = 'retention';

/** Seals and stores one event on the admin chain (caller holds no lock; this takes the admin-chain lock). */
export async function appendAdminEvent(records: RecordsStore, input: AuditEventInput): Promise<string> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const id = await records.withLock(ADMIN_LOCK, async () => {
      const chain = new AuditChain(ADMIN_CHAIN, await records.auditHead(ADMIN_CHAIN));
      const row = chain.seal(input);
      await records.appendAudit([row]);
      return row.eventId;
    });
    if (id !== undefined) return id;
    await new Promise((r) => setTimeout(r, 20 * (attempt + 1)));
  }
  throw new Error('records: the admin chain stayed locked; try again');
}

export interface RetentionOptions {
  /** Delete invocation records older than this. */
  invocationsBefore?: Date;
  /** Delete audit events older than this (down to the last digest boundary before it). */
  auditBefore?: Date;
  actor?: PrincipalSummary;
  requestId: string;
  sourceIPAddress?: string;
}

export interface RetentionResult {
  invocationsDeleted: number;
  audit: Array<{ instanceId: string; deletedThroughSeq: number; deleted: number }>;
}

export async function applyRetention(records: RecordsStore, opts: RetentionOptions): Promise<RetentionResult | undefined> {
  return records.withLock(RETENTION_LOCK, async () => {
    const plan: Array<{ instanceId: string; through: number; from: number }> = [];
    if (opts.auditBefore) {
      const boundaries = new Map<string, number[]>();
      for (const d of await records.listDigests()) {
        for (const i of (JSON.parse(d.body) as DigestBody).instances) {
          if (i.count > 0) boundaries.set(i.instanceId, [...(boundaries.get(i.instanceId) ?? []), i.lastSeq]);
        }
      }
      for (const h of await records.auditHeads()) {
        const cut = await records.lastAuditBefore(h.instanceId, opts.auditBefore);
        const signed = (boundaries.get(h.instanceId) ?? []).filter((s) => cut !== undefined && s <= cut && s < h.lastSeq);
        const through = signed.length ? Math.max(...signed) : h.firstSeq - 1;
        plan.push({ instanceId: h.instanceId, through, from: h.firstSeq });
      }
    }
    const invocationsDeleted = opts.invocationsBefore ? await records.deleteInvocationsBefore(opts.invocationsBefore) : 0;
    const claims = plan.map((p) => ({ instanceId: p.instanceId, deletedThroughSeq: p.through }));
    await appendAdminEvent(records, {
      eventName: 'ApplyRetention',
      eventSource: 'rampart.admin',
      eventTime: new Date(),
      requestId: opts.requestId,
      principal: opts.actor,
      sourceIPAddress: opts.sourceIPAddress,
      readOnly: false,
      requestParameters: {
        invocationsBefore: opts.invocationsBefore?.toISOString(),
        auditBefore: opts.auditBefore?.toISOString(),
      },
      responseElements: { invocationsDeleted, audit: claims },
    });
    const audit: RetentionResult['audit'] = [];
    for (const p of plan) {
      const deleted = p.through >= p.from ? await records.deleteAuditThrough(p.instanceId, p.through) : 0;
      audit.push({ instanceId: p.instanceId, deletedThroughSeq: p.through, deleted });
    }
    return { invocationsDeleted, audit };
  });
}

/** Crypto-shredding from an admin tool: destroys the subject's payload keys and records the erasure. */
export async function eraseSubject(
  records: RecordsStore,
  subject: string,
  opts: { actor?: PrincipalSummary; requestId: string; sourceIPAddress?: string },
): Promise<number> {
  const destroyed = await records.deleteSubjectKeys(subject);
  await appendAdminEvent(records, {
    eventName: 'EraseSubjectData',
    eventSource: 'rampart.admin',
    eventTime: new Date(),
    requestId: opts.requestId,
    principal: opts.actor,
    sourceIPAddress: opts.sourceIPAddress,
    readOnly: false,
    requestParameters: { subject },
    responseElements: { keysDestroyed: destroyed },
  });
  return destroyed;
}
