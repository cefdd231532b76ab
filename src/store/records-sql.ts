/** SQL shared by the SQLite and PostgreSQL records stores: column lists, row mapping and filter clauses. */
import { queryLimit } from './rows.js';
import type { AuditRow, InvocationRow, RecordsFilter } from './records-types.js';

export const INV_COLS =
  'request_id, time, instance_id, action, principal_id, application, model, status, error_code, decision, ' +
  'guardrail_action, subject, hash, body';
export const AUDIT_COLS =
  'instance_id, seq, event_id, time, event_name, principal_id, application, decision, error_code, read_only, ' +
  'prev_hash, hash, body';

type Row = Record<string, unknown>;

const opt = <T>(v: unknown): T | undefined => (v === null || v === undefined ? undefined : (v as T));

/** The INV_COLS values of a row, appended to `out` (batches encode into one flat array). */
export function invocationParams(r: InvocationRow, date: (d: Date) => unknown, out: unknown[] = []): unknown[] {
  checkDate(r.time, 'time');
  if (typeof r.requestId !== 'string' || typeof r.hash !== 'string' || typeof r.body !== 'string') {
    throw new TypeError('store: invocation rows need requestId, hash and body strings');
  }
  out.push(
    r.requestId, date(r.time), r.instanceId, r.action, r.principalId ?? null, r.application ?? null, r.model ?? null,
    r.status ?? null, r.errorCode ?? null, r.decision ?? null, r.guardrailAction ?? null, r.subject ?? null, r.hash, r.body,
  );
  return out;
}

/** The AUDIT_COLS values of a row, appended to `out`. */
export function auditParams(
  r: AuditRow,
  date: (d: Date) => unknown,
  bool: (b: boolean) => unknown,
  out: unknown[] = [],
): unknown[] {
  checkDate(r.time, 'time');
  if (!Number.isSafeInteger(r.seq) || r.seq < 1) throw new TypeError('store: audit seq must be a positive integer');
  out.push(
    r.instanceId, r.seq, r.eventId, date(r.time), r.eventName, r.principalId ?? null, r.application ?? null,
    r.decision ?? null, r.errorCode ?? null, bool(r.readOnly), r.prevHash, r.hash, r.body,
  );
  return out;
}

function checkDate(d: Date, name: string): void {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw new TypeError(`store: ${name} must be a valid Date`);
}

/** NULL columns are left out rather than set to undefined, like the other stores' rows. */
function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as Array<keyof T>) if (o[k] === undefined) delete o[k];
  return o;
}

export function invocationFromRow(row: Row, date: (raw: unknown) => Date): InvocationRow {
  return compact({
    requestId: row.request_id as string,
    time: date(row.time),
    instanceId: row.instance_id as string,
    action: row.action as string,
    principalId: opt(row.principal_id),
    application: opt(row.application),
    model: opt(row.model),
    status: opt(row.status),
    errorCode: opt(row.error_code),
    decision: opt(row.decision),
    guardrailAction: opt(row.guardrail_action),
    subject: opt(row.subject),
    hash: row.hash as string,
    body: row.body as string,
  });
}

export function auditFromRow(row: Row, date: (raw: unknown) => Date): AuditRow {
  return compact({
    instanceId: row.instance_id as string,
    seq: Number(row.seq),
    eventId: row.event_id as string,
    time: date(row.time),
    eventName: row.event_name as string,
    principalId: opt(row.principal_id),
    application: opt(row.application),
    decision: opt(row.decision),
    errorCode: opt(row.error_code),
    readOnly: row.read_only === true || row.read_only === 1,
    prevHash: row.prev_hash as string,
    hash: row.hash as string,
    body: row.body as string,
  });
}

/**
 * WHERE clause and parameters for a filter. `ph(n)` renders the n-th placeholder (1-based). Unknown filter keys are
 * rejected so a misspelt filter cannot silently widen an auditor's query.
 */
export function whereClause(
  f: RecordsFilter,
  kind: 'invocation' | 'audit',
  ph: (n: number) => string,
  date: (d: Date) => unknown,
): { sql: string; params: unknown[]; limit: number } {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (col: string, op: string, v: unknown) => {
    params.push(v);
    where.push(`${col} ${op} ${ph(params.length)}`);
  };
  for (const key of Object.keys(f)) {
    if (!FILTER_KEYS.has(key)) throw new TypeError(`store: unknown filter ${key}`);
  }
  if (f.since !== undefined) (checkDate(f.since, 'since'), add('time', '>=', date(f.since)));
  if (f.until !== undefined) (checkDate(f.until, 'until'), add('time', '<', date(f.until)));
  if (f.principalId !== undefined) add('principal_id', '=', f.principalId);
  if (f.application !== undefined) add('application', '=', f.application);
  if (f.decision !== undefined) add('decision', '=', f.decision);
  if (f.errorCode !== undefined) add('error_code', '=', f.errorCode);
  if (f.action !== undefined) add(kind === 'invocation' ? 'action' : 'event_name', '=', f.action);
  if (kind === 'invocation') {
    if (f.model !== undefined) add('model', '=', f.model);
    if (f.guardrailAction !== undefined) add('guardrail_action', '=', f.guardrailAction);
  } else if (f.model !== undefined || f.guardrailAction !== undefined) {
    throw new TypeError('store: model and guardrailAction filter invocation records, not audit events');
  }
  return { sql: where.length ? ` WHERE ${where.join(' AND ')}` : '', params, limit: queryLimit(f.limit) };
}

const FILTER_KEYS = new Set([
  'since', 'until', 'principalId', 'application', 'model', 'action', 'decision', 'guardrailAction', 'errorCode', 'limit',
]);
