/**
 * Gathers a compliance report for a period from the store: invocation records (usage, cost, denials, guardrail
 * interventions), the audit trail (governance events, admin denials, chain verification), the registry and catalog
 * (posture, approval trail) and stored assessments (trend). Pure data: html.ts and markdown.ts render it.
 */
import type { Runtime } from '../../config/runtime.js';
import type { InvocationRecord } from '../../records/types.js';
import { verifyAudit } from '../../records/verify.js';
import { TrustedKeys } from '../../records/signing.js';
import type { InvocationRow, Store } from '../../store/types.js';
import { ApplicationSchema, ApprovalSchema, CatalogEntrySchema, parseWith, type Approval, type CatalogEntry } from '../types.js';
import type { BaselineRule } from '../baselines.js';
import { postureOf } from '../enforce.js';
import type { Posture } from '../posture.js';
import { guardrailFacts, owaspMap, type OwaspItem } from './owasp.js';
import type { AssessmentResult } from '../assess/types.js';

export interface ReportOptions {
  store: Store;
  from: Date;
  to: Date;
  /** The compiled config: guardrails and models for posture and the OWASP map. */
  runtime?: Pick<Runtime, 'guardrails' | 'models' | 'config'>;
  rules?: readonly BaselineRule[];
  /** Trusted audit public keys; without them the chain is checked for integrity but digests count as unverified. */
  trusted?: TrustedKeys;
  onProgress?: (fraction: number, label: string) => void;
  now?: () => Date;
}

export interface Usage { key: string; calls: number; inputTokens: number; outputTokens: number; cost: number }
export interface Count { key: string; count: number }

export interface ComplianceReport {
  generatedAt: string;
  from: string;
  to: string;
  totals: { invocations: number; denied: number; intervened: number; anonymized: number; inputTokens: number; outputTokens: number; cost: number; truncated: boolean };
  models: Array<Usage & { stage?: string; tier?: string; owner?: string; trail: Approval[] }>;
  approvals: Approval[];
  denials: { total: number; byReason: Count[]; byPrincipal: Count[]; byModel: Count[]; admin: number };
  interventions: { days: string[]; types: string[]; counts: number[][]; total: Count[] };
  topApplications: Usage[];
  topPrincipals: Usage[];
  audit: { ok: boolean; events: number; digests: number; instances: number; unsigned: number; problems: Array<{ kind: string; message: string }>; trustedKeys: boolean };
  posture: Posture[];
  owasp: OwaspItem[];
  assessments: Array<{ id: string; time: string; application?: string; model?: string; blockRate: number; falseBlockRate: number; attacks: number; benign: number }>;
}

const PAGE = 10_000;

export function costOf(raw: unknown): number {
  if (typeof raw === 'number' && Number.isFinite(raw)) return raw;
  if (raw && typeof raw === 'object') {
    const o = raw as Record<string, unknown>;
    if (typeof o.usd === 'number') return o.usd;
    if (typeof o.totalUsd === 'number') return o.totalUsd;
    if (typeof o.microUsd === 'number') return o.microUsd / 1e6;
  }
  return 0;
}

function bump(m: Map<string, Usage>, key: string, inTok: number, outTok: number, cost: number): void {
  let u = m.get(key);
  if (!u) m.set(key, (u = { key, calls: 0, inputTokens: 0, outputTokens: 0, cost: 0 }));
  u.calls++;
  u.inputTokens += inTok;
  u.outputTokens += outTok;
  u.cost += cost;
}

const inc = (m: Map<string, number>, k: string, n = 1) => m.set(k, (m.get(k) ?? 0) + n);
const counts = (m: Map<string, number>, top = 20): Count[] =>
  [...m].map(([key, count]) => ({ key, count })).sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : 1)).slice(0, top);
const byUsage = (m: Map<string, Usage>, top = 10) => [...m.values()].sort((a, b) => b.cost - a.cost || b.calls - a.calls || (a.key < b.key ? -1 : 1)).slice(0, top);

/** Pages through the period's invocation records, newest first, without holding more than one page of rows. */
async function* invocations(store: Store, from: Date, to: Date, onPage: (oldest: Date) => void, truncated: () => void): AsyncGenerator<InvocationRow> {
  let until = to;
  const seen = new Set<string>();
  for (;;) {
    const rows = await store.records.queryInvocations({ since: from, until, limit: PAGE });
    for (const r of rows) {
      if (seen.has(r.requestId)) continue;
      seen.add(r.requestId);
      yield r;
    }
    if (rows.length < PAGE) return;
    const oldest = rows[rows.length - 1].time;
    // A full page of one millisecond cannot be paged past by time: report it as truncated rather than loop.
    if (oldest.getTime() === rows[0].time.getTime()) return truncated();
    until = new Date(oldest.getTime() + 1);
    onPage(oldest);
  }
}

export async function gatherReport(opts: ReportOptions): Promise<ComplianceReport> {
  const { store, from, to } = opts;
  const progress = opts.onProgress ?? (() => undefined);
  const span = Math.max(1, to.getTime() - from.getTime());
  const dayKey = (d: Date) => d.toISOString().slice(0, 10);
  const days: string[] = [];
  for (let t = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate()); t < to.getTime() && days.length < 400; t += 86_400_000) days.push(dayKey(new Date(t)));

  const totals = { invocations: 0, denied: 0, intervened: 0, anonymized: 0, inputTokens: 0, outputTokens: 0, cost: 0, truncated: false };
  const models = new Map<string, Usage>();
  const apps = new Map<string, Usage>();
  const principals = new Map<string, Usage>();
  const denyReason = new Map<string, number>();
  const denyPrincipal = new Map<string, number>();
  const denyModel = new Map<string, number>();
  const interventionType = new Map<string, number>();
  const perDay = new Map<string, Map<string, number>>();

  progress(0, 'invocation records');
  for await (const row of invocations(store, from, to, (oldest) => progress(((to.getTime() - oldest.getTime()) / span) * 0.7, 'invocation records'), () => { totals.truncated = true; })) {
    totals.invocations++;
    let rec: Partial<InvocationRecord> = {};
    try {
      rec = JSON.parse(row.body) as InvocationRecord;
    } catch {
      // The audit verification reports corrupted bodies; usage falls back to the indexed columns.
    }
    const inTok = rec.input?.inputTokenCount ?? 0;
    const outTok = rec.output?.outputTokenCount ?? 0;
    const cost = costOf(rec.cost);
    totals.inputTokens += inTok;
    totals.outputTokens += outTok;
    totals.cost += cost;
    if (row.model) bump(models, row.model, inTok, outTok, cost);
    bump(apps, row.application ?? '(none)', inTok, outTok, cost);
    bump(principals, row.principalId ?? '(anonymous)', inTok, outTok, cost);
    const denied = row.decision === 'deny' || row.errorCode === 'forbidden';
    if (denied) {
      totals.denied++;
      inc(denyReason, rec.authorization?.policyIds?.length ? `policy ${rec.authorization.policyIds.join(', ')}` : row.errorCode ?? 'deny');
      inc(denyPrincipal, row.principalId ?? '(anonymous)');
      inc(denyModel, row.model ?? '(none)');
    }
    if (row.guardrailAction === 'INTERVENED') totals.intervened++;
    if (row.guardrailAction === 'ANONYMIZED') totals.anonymized++;
    for (const g of rec.guardrails ?? []) {
      if (g.action === 'NONE') continue;
      const types = new Set(g.findings.map((f) => f.type));
      if (types.size === 0) types.add(g.action);
      for (const t of types) {
        inc(interventionType, t);
        const d = dayKey(row.time);
        let m = perDay.get(d);
        if (!m) perDay.set(d, (m = new Map()));
        inc(m, t);
      }
    }
  }

  progress(0.72, 'audit trail');
  // Every model call has an audit event too; the admin count leaves those out (they are counted above).
  const dataPlane = new Set(['InvokeModel', 'InvokeModelWithResponseStream', 'Embed', 'ListModels', 'ApplyGuardrail']);
  const adminDenials = (await store.records.queryAudit({ since: from, until: to, decision: 'deny', limit: 10_000 })).filter((a) => !dataPlane.has(a.eventName));
  const trusted = opts.trusted ?? new TrustedKeys();
  const v = await verifyAudit(store.records, trusted, { maxProblems: 50 });
  progress(0.85, 'governance');
  const catalog = (await store.governance.listDocs('model')).map((d) => parseWith(CatalogEntrySchema, JSON.parse(d.body)) as CatalogEntry);
  const approvals = (await store.governance.listDocs('approval')).map((d) => parseWith(ApprovalSchema, JSON.parse(d.body)) as Approval)
    .sort((a, b) => (a.requestedAt < b.requestedAt ? -1 : 1));
  const registry = (await store.governance.listDocs('application')).map((d) => parseWith(ApplicationSchema, JSON.parse(d.body)));
  const byName = new Map(catalog.map((c) => [c.name, c]));
  const snap = { apps: new Map(registry.map((a) => [a.id, a])), catalog: byName };
  const posture = opts.runtime ? registry.map((a) => postureOf(opts.runtime!, snap, a, opts.rules)) : [];

  const assessRows = await store.governance.listAssessments({ since: new Date(from.getTime() - 90 * 86_400_000), until: to, limit: 500 });
  const assessments = assessRows.reverse().map((r) => {
    const res = JSON.parse(r.body) as AssessmentResult;
    return { id: r.id, time: r.time.toISOString(), application: r.application, model: res.model, blockRate: res.summary.blockRate, falseBlockRate: res.summary.falseBlockRate, attacks: res.summary.attacks, benign: res.summary.benign };
  });

  const types = counts(interventionType, 8).map((c) => c.key);
  const facts = opts.runtime ? runtimeFacts(opts.runtime, registry, catalog, approvals) : undefined;
  progress(1, 'done');
  return {
    generatedAt: (opts.now?.() ?? new Date()).toISOString(),
    from: from.toISOString(),
    to: to.toISOString(),
    totals,
    models: byUsage(models, 50).map((u) => {
      const c = byName.get(u.key);
      return { ...u, stage: c?.stage, tier: c?.tier, owner: c?.owner, trail: approvals.filter((a) => a.model === u.key) };
    }),
    approvals,
    denials: { total: totals.denied, byReason: counts(denyReason), byPrincipal: counts(denyPrincipal, 10), byModel: counts(denyModel, 10), admin: adminDenials.length },
    interventions: { days, types, counts: types.map((t) => days.map((d) => perDay.get(d)?.get(t) ?? 0)), total: counts(interventionType) },
    topApplications: byUsage(apps),
    topPrincipals: byUsage(principals),
    audit: {
      ok: v.ok, events: v.events, digests: v.digests, instances: v.instances,
      unsigned: Object.values(v.unsignedTail).reduce((a, b) => a + b, 0),
      problems: v.problems.map((p) => ({ kind: p.kind, message: p.message })),
      trustedKeys: opts.trusted !== undefined,
    },
    posture,
    owasp: facts ? owaspMap(facts) : [],
    assessments,
  };
}

function runtimeFacts(
  rt: Pick<Runtime, 'guardrails' | 'models' | 'config'>,
  registry: Array<{ loggingMode: string; allowedRegions?: string[] }>,
  catalog: CatalogEntry[],
  approvals: Approval[],
) {
  const defs = rt.guardrails.ids().map((id) => rt.guardrails.get({ id, version: 'DRAFT' })).filter((g) => g && g.mode === 'enforce').map((g) => g!.definition);
  return {
    ...guardrailFacts(defs),
    rateLimits: rt.config.limits.rules.length > 0,
    modelApprovals: approvals.some((a) => a.status === 'approved'),
    trainingDataClassified: catalog.some((c) => c.trainingDataClassification !== undefined),
    protectedLogging: registry.some((a) => a.loggingMode !== 'full'),
    residency: registry.some((a) => a.allowedRegions !== undefined),
    authorization: true,
  };
}
