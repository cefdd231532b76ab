/**
 * Streams cut by a crash: when a stream starts, the recorder spools a snapshot of what is known (its metadata-only
 * invocation record and audit event). If the process dies before the stream's record is written, the next start
 * finds the snapshot without a matching entry and records the call as truncated, so every stream whose first byte
 * was sent has a record.
 */
import type { RequestContext } from '../pipeline/context.js';
import { canonicalJson, sha256Hex } from './canonical.js';
import type { AuditChain } from './audit.js';
import { buildInvocation, invocationRowFromBody, type InvocationOptions } from './invocation.js';
import type { AuditEventInput, InvocationRecord, RecordEntry } from './types.js';

interface Snapshot {
  inv: InvocationRecord;
  audit: Omit<AuditEventInput, 'eventTime'> & { eventTime: string };
}

export function streamSnapshot(ctx: RequestContext, opts: InvocationOptions, audit: AuditEventInput): string {
  // Metadata only: the payload of a stream that never finished is not known, and a snapshot must stay small.
  const { record } = buildInvocation(ctx, { ...opts, seal: undefined, content: { ...opts.content, policy: 'metadata' } }, performance.now());
  const snap: Snapshot = { inv: record, audit: { ...audit, eventTime: audit.eventTime.toISOString() } };
  return canonicalJson(snap);
}

export function recoverOpenStreams(open: Map<string, string>, chain: AuditChain): RecordEntry[] {
  const out: RecordEntry[] = [];
  for (const [, text] of open) {
    let snap: Snapshot;
    try {
      snap = JSON.parse(text) as Snapshot;
    } catch {
      continue; // a torn snapshot line: the crash happened before the stream's first byte could follow it
    }
    const inv: InvocationRecord = { ...snap.inv, truncated: true, errorCode: snap.inv.errorCode ?? 'stream_interrupted' };
    const body = JSON.stringify(inv);
    const row = invocationRowFromBody(body, sha256Hex(body));
    const audit = chain.seal({
      ...snap.audit,
      eventTime: new Date(snap.audit.eventTime),
      errorCode: inv.errorCode,
      responseElements: { ...(snap.audit.responseElements as object | undefined), truncated: true },
      invocationHash: row.hash,
    });
    out.push({ seq: audit.seq, invocation: row, audit });
  }
  return out;
}
