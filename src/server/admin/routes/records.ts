import { z } from 'zod';
import { RampartError } from '../../../errors.js';
import { applyRetention, eraseSubject as eraseWithAdminChain } from '../../../records/retention.js';
import { FILTER_NAMES, parseFilter, parseInstant } from '../../../records/query.js';
import { principalSummary } from '../../../records/invocation.js';
import { verifyAudit } from '../../../records/verify.js';
import type { TrustedKeys } from '../../../records/signing.js';
import type { AuditEventInput } from '../../../records/types.js';
import type { RecordsStore } from '../../../store/records-types.js';
import type { AdminRequest, AdminRoute } from '../types.js';
import { conflict } from '../errors.js';

/**
 * Invocation logs and the audit trail for the security-auditor role (ReadInvocationLogs,
 * ReadAuditTrail), and the destructive records operations (retention, erasure), which are for
 * administrators only: they need ManagePolicies, which auditors do not hold.
 */

export interface RecordRouteDeps {
  records: RecordsStore;
  /** Public keys of the digest signers; without them POST /audit/verify refuses. */
  trustedKeys?: TrustedKeys;
  /** Recorder.eraseSubject (also drops cached subject keys on every instance); default: records/retention eraseSubject. */
  eraseSubject?: (subject: string, by: Omit<AuditEventInput, 'eventName' | 'eventSource' | 'readOnly'>) => Promise<number>;
}

const filterDocs = FILTER_NAMES.map((name) => ({ name, description: `filter: ${name}` }));

const instant = z.string().min(1).max(64).describe('ISO 8601 instant or a duration before now (e.g. 90d)');
const RetentionSchema = z
  .object({ invocationsBefore: instant.optional(), auditBefore: instant.optional() })
  .strict()
  .refine((b) => b.invocationsBefore !== undefined || b.auditBefore !== undefined, { message: 'give invocationsBefore and/or auditBefore' });
const ErasureSchema = z.object({ subject: z.string().min(1).max(256) }).strict();

function filters(req: AdminRequest, kind: 'invocation' | 'audit') {
  const m = new Map<string, string>();
  for (const [k, v] of req.query) {
    if (m.has(k)) throw new RampartError('bad_request', { message: `filter ${k} given twice`, param: k });
    m.set(k, v);
  }
  return parseFilter(m, kind);
}

export function recordRoutes(deps: RecordRouteDeps): AdminRoute[] {
  const { records } = deps;
  const by = (req: AdminRequest) => ({
    eventTime: req.ctx.startedAt,
    requestId: req.ctx.requestId,
    principal: principalSummary(req.ctx.principal),
    sourceIPAddress: req.ctx.sourceIp,
    userAgent: req.ctx.userAgent,
  });
  return [
    {
      method: 'GET', path: '/logs', action: 'ReadInvocationLogs', readOnly: true, eventName: 'QueryInvocationLogs',
      summary: 'Invocation records, newest first, with filters.',
      queryParams: filterDocs,
      async handler(req) {
        const rows = await records.queryInvocations(filters(req, 'invocation'));
        return { body: { records: rows.map((r) => ({ ...(JSON.parse(r.body) as object), _hash: r.hash })) } };
      },
    },
    {
      method: 'GET', path: '/audit', action: 'ReadAuditTrail', readOnly: true, eventName: 'QueryAuditTrail',
      summary: 'Audit events, newest first, with filters.',
      queryParams: filterDocs.filter((f) => f.name !== 'model' && f.name !== 'guardrail-action'),
      async handler(req) {
        const rows = await records.queryAudit(filters(req, 'audit'));
        return { body: { events: rows.map((r) => ({ ...(JSON.parse(r.body) as object), _hash: r.hash })) } };
      },
    },
    {
      method: 'POST', path: '/audit/verify', action: 'ReadAuditTrail', readOnly: true, eventName: 'VerifyAuditTrail',
      summary: 'Verify the hash chains and signed digests; names what is wrong and where.',
      async handler() {
        if (!deps.trustedKeys) throw new RampartError('bad_request', { message: 'No audit digest public keys are configured on this gateway.' });
        return { body: await verifyAudit(records, deps.trustedKeys, { now: new Date() }) };
      },
    },
    {
      method: 'POST', path: '/records/retention', action: 'ManagePolicies', readOnly: false, eventName: 'ApplyRetentionRequest',
      summary: 'Delete invocation records and audit events older than the given instants (audit only to a digest boundary).',
      body: RetentionSchema,
      async handler(req) {
        const b = req.body as z.infer<typeof RetentionSchema>;
        const now = new Date();
        const invocationsBefore = b.invocationsBefore ? parseInstant('invocationsBefore', b.invocationsBefore, now) : undefined;
        const auditBefore = b.auditBefore ? parseInstant('auditBefore', b.auditBefore, now) : undefined;
        const r = await applyRetention(records, {
          invocationsBefore, auditBefore, actor: principalSummary(req.ctx.principal), requestId: req.ctx.requestId, sourceIPAddress: req.ctx.sourceIp,
        });
        if (!r) throw conflict('Retention is running on another instance; try again later.');
        return { body: r, audit: { after: r } };
      },
    },
    {
      method: 'POST', path: '/records/erasure', action: 'ManagePolicies', readOnly: false, eventName: 'EraseSubjectDataRequest',
      summary: 'Crypto-shred a data subject\'s stored payloads; the audit chain and record hashes still verify.',
      body: ErasureSchema,
      async handler(req) {
        const { subject } = req.body as z.infer<typeof ErasureSchema>;
        const destroyed = deps.eraseSubject
          ? await deps.eraseSubject(subject, by(req))
          : await eraseWithAdminChain(records, subject, { actor: principalSummary(req.ctx.principal), requestId: req.ctx.requestId, sourceIPAddress: req.ctx.sourceIp });
        return { body: { subject, keysDestroyed: destroyed }, audit: { resourceId: subject, after: { keysDestroyed: destroyed } } };
      },
    },
  ];
}
