/** The compliance report as Markdown (for tickets and wikis); same content as the HTML, without charts. */
import type { ComplianceReport } from './data.js';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
function table(head: string[], rows: string[][]): string {
  if (rows.length === 0) return '_None in this period._\n';
  return `| ${head.join(' | ')} |\n| ${head.map(() => '---').join(' | ')} |\n${rows.map((r) => `| ${r.map(cell).join(' | ')} |`).join('\n')}\n`;
}
const pct = (x: number) => `${(x * 100).toFixed(0)}%`;

export function renderMarkdown(r: ComplianceReport): string {
  const out: string[] = [];
  out.push(`# Rampart compliance report\n\n${r.from} to ${r.to} (generated ${r.generatedAt})\n`);
  out.push(`**${r.totals.invocations}** model calls, **${r.totals.denied}** denied, **${r.totals.intervened}** guardrail interventions, ` +
    `**${r.totals.anonymized}** anonymised, **${r.totals.inputTokens + r.totals.outputTokens}** tokens, **$${r.totals.cost.toFixed(2)}**. ` +
    `Audit chain: **${r.audit.ok ? 'VERIFIED' : 'FAILED'}**.\n`);
  out.push('## Models in use and their approval trail\n');
  out.push(table(['Model', 'Stage', 'Tier', 'Calls', 'Cost'], r.models.map((m) => [m.key, m.stage ?? 'not in catalog', m.tier ?? '', String(m.calls), `$${m.cost.toFixed(2)}`])));
  out.push(table(['Model', 'Transition', 'Status', 'Requested by', 'Decisions'], r.approvals.map((a) => [
    a.model, `${a.from} -> ${a.to}`, a.status, `${a.requestedBy} (${a.requestedAt}): ${a.reason}`,
    a.decisions.map((d) => `${d.decision} by ${d.by} as ${d.role} at ${d.at}: ${d.reason}`).join('; '),
  ])));
  out.push('## Access denials\n');
  out.push(`${r.denials.total} model calls and ${r.denials.admin} admin calls denied.\n\n`);
  out.push(table(['Reason', 'Calls'], r.denials.byReason.map((c) => [c.key, String(c.count)])));
  out.push('## Guardrail interventions by type\n');
  out.push(table(['Type', 'Interventions'], r.interventions.total.map((c) => [c.key, String(c.count)])));
  out.push('## Top applications and principals\n');
  out.push(table(['Application', 'Calls', 'Tokens', 'Cost'], r.topApplications.map((u) => [u.key, String(u.calls), String(u.inputTokens + u.outputTokens), `$${u.cost.toFixed(2)}`])));
  out.push(table(['Principal', 'Calls', 'Tokens', 'Cost'], r.topPrincipals.map((u) => [u.key, String(u.calls), String(u.inputTokens + u.outputTokens), `$${u.cost.toFixed(2)}`])));
  out.push('## Audit chain verification\n');
  out.push(`${r.audit.ok ? 'VERIFIED' : 'FAILED'}: ${r.audit.events} events, ${r.audit.digests} digests, ${r.audit.unsigned} not yet signed.\n\n`);
  out.push(table(['Problem', 'Detail'], r.audit.problems.map((p) => [p.kind, p.message])));
  out.push('## Application posture\n');
  out.push(table(['Application', 'Posture', 'Rule', 'Mode', 'Status', 'Detail'], r.posture.flatMap((p) => p.rules.map((x) => [
    p.application, p.status, x.id, x.mode, x.status, x.controls.map((c) => `${c.label}: ${c.status} (${c.detail})`).join('; '),
  ]))));
  out.push('## Security assessments\n');
  out.push(table(['When', 'Application', 'Model', 'Block rate', 'False-block rate'], r.assessments.map((a) => [a.time, a.application ?? '', a.model ?? '', pct(a.blockRate), pct(a.falseBlockRate)])));
  out.push('## OWASP Top 10 for LLM Applications (2025)\n');
  out.push(table(['Item', 'Reach', 'Controls', 'Outside the gateway'], r.owasp.map((o) => [
    `${o.id} ${o.name}`, o.reach, o.controls.map((c) => `${c.configured ? '[x]' : '[ ]'} ${c.name}`).join('; '), o.outside,
  ])));
  return out.join('\n');
}
