/**
 * The compliance report as one self-contained HTML file: inline CSS and SVG, no scripts, no external resources.
 * Written as well-formed XHTML-compatible markup (every element closed, every attribute quoted) so it can be checked
 * by parsing.
 */
import type { ComplianceReport, Count, Usage } from './data.js';
import { barChart, esc, rateLines, stackedColumns } from './svg.js';

const CSS = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2530; margin: 0; background: #f6f7f9; }
header { background: #1d2a3a; color: #fff; padding: 20px 32px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
main { padding: 8px 32px 40px; max-width: 1100px; }
section { background: #fff; border: 1px solid #dde1e6; border-radius: 6px; padding: 14px 20px; margin: 16px 0; }
h2 { font-size: 17px; margin: 4px 0 10px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #eceff2; vertical-align: top; }
th { background: #f1f3f5; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; }
.card { background: #fff; border: 1px solid #dde1e6; border-radius: 6px; padding: 10px 16px; min-width: 130px; }
.card b { display: block; font-size: 20px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; }
.ok, .met, .compliant, .gateway { background: #dff3e4; color: #1e6b34; }
.warn, .weaker, .partial { background: #fff1d6; color: #8a5a00; }
.bad, .missing, .blocked, .outside { background: #fbe0e0; color: #9b1c1c; }
.muted { color: #6b7785; }
svg .ttl { font: 600 13px system-ui, sans-serif; fill: #1d2530; }
svg .lbl, svg .val { font: 12px system-ui, sans-serif; fill: #1d2530; }
svg .tick { font: 10px system-ui, sans-serif; fill: #6b7785; }
`;

const n = (x: number) => x.toLocaleString('en-US');
const usd = (x: number) => `$${x.toFixed(2)}`;
const badge = (cls: string, text = cls) => `<span class="badge ${esc(cls)}">${esc(text)}</span>`;

function table(head: string[], rows: string[][], numeric: number[] = []): string {
  if (rows.length === 0) return '<p class="muted">None in this period.</p>';
  const th = head.map((h, i) => `<th${numeric.includes(i) ? ' class="num"' : ''}>${esc(h)}</th>`).join('');
  const tr = rows.map((r) => `<tr>${r.map((c, i) => `<td${numeric.includes(i) ? ' class="num"' : ''}>${c}</td>`).join('')}</tr>`).join('');
  return `<table><thead><tr>${th}</tr></thead><tbody>${tr}</tbody></table>`;
}

const usageRows = (u: Usage[]) => u.map((x) => [esc(x.key), n(x.calls), n(x.inputTokens + x.outputTokens), usd(x.cost)]);
const countRows = (c: Count[]) => c.map((x) => [esc(x.key), n(x.count)]);

/** One block-rate line per assessed application (or model), aligned on the runs in time order. */
function assessmentSeries(r: ComplianceReport): Array<{ name: string; values: Array<number | null> }> {
  const nameOf = (a: ComplianceReport['assessments'][number]) => a.application ?? `model ${a.model}`;
  const names = [...new Set(r.assessments.map(nameOf))];
  return names.map((name) => ({ name, values: r.assessments.map((a) => (nameOf(a) === name ? a.blockRate : null)) }));
}

export function renderHtml(r: ComplianceReport): string {
  const s: string[] = [];
  const auditBadge = r.audit.ok ? badge('ok', 'VERIFIED') : badge('bad', 'FAILED');
  s.push(`<div class="cards">
<div class="card">Model calls<b>${n(r.totals.invocations)}</b></div>
<div class="card">Denied<b>${n(r.totals.denied)}</b></div>
<div class="card">Guardrail interventions<b>${n(r.totals.intervened)}</b></div>
<div class="card">Anonymised<b>${n(r.totals.anonymized)}</b></div>
<div class="card">Tokens<b>${n(r.totals.inputTokens + r.totals.outputTokens)}</b></div>
<div class="card">Cost<b>${usd(r.totals.cost)}</b></div>
<div class="card">Audit chain<b>${auditBadge}</b></div>
</div>${r.totals.truncated ? '<p class="warn">Some records were skipped (a full page shared one millisecond).</p>' : ''}`);

  // Models in use and their approval trail.
  const trail = r.models.flatMap((m) => m.trail.map((a) => [
    esc(m.key), `${esc(a.from)} → ${esc(a.to)}`, badge(a.status === 'approved' ? 'ok' : a.status === 'pending' ? 'warn' : 'bad', a.status),
    `${esc(a.requestedBy)}<br/><span class="muted">${esc(a.requestedAt)}</span><br/>${esc(a.reason)}`,
    a.decisions.map((d) => `${esc(d.decision)} by ${esc(d.by)} as ${esc(d.role)} <span class="muted">${esc(d.at)}</span>: ${esc(d.reason)}`).join('<br/>') || '<span class="muted">none yet</span>',
    a.assessments.length ? esc(a.assessments.join(', ')) : '<span class="muted">none</span>',
  ]));
  s.push(`<section id="models"><h2>Models in use and their approval trail</h2>
${table(['Model', 'Stage', 'Tier', 'Owner', 'Calls', 'Tokens', 'Cost'], r.models.map((m) => [esc(m.key), m.stage ? badge(m.stage === 'approved' ? 'ok' : m.stage === 'retired' ? 'bad' : 'warn', m.stage) : '<span class="muted">not in catalog</span>', esc(m.tier ?? ''), esc(m.owner ?? ''), n(m.calls), n(m.inputTokens + m.outputTokens), usd(m.cost)]), [4, 5, 6])}
<h3>Approval trail</h3>
${table(['Model', 'Transition', 'Status', 'Requested', 'Decisions (who, role, when, why)', 'Evidence'], trail)}
</section>`);

  s.push(`<section id="denials"><h2>Access denials</h2>
<p>${n(r.denials.total)} model calls denied; ${n(r.denials.admin)} admin API calls denied.</p>
${table(['Reason', 'Calls'], countRows(r.denials.byReason), [1])}
${table(['Principal', 'Calls'], countRows(r.denials.byPrincipal), [1])}
${table(['Model', 'Calls'], countRows(r.denials.byModel), [1])}
</section>`);

  s.push(`<section id="interventions"><h2>Guardrail interventions by type over time</h2>
${stackedColumns(r.interventions.days, r.interventions.types.map((t, i) => ({ name: t, values: r.interventions.counts[i] })), { title: 'Interventions per day by finding type' })}
${table(['Finding type', 'Interventions'], countRows(r.interventions.total), [1])}
</section>`);

  s.push(`<section id="usage"><h2>Top applications and principals by usage and cost</h2>
${barChart(r.topApplications.map((u) => ({ label: u.key, value: u.calls })), { title: 'Calls by application' })}
${table(['Application', 'Calls', 'Tokens', 'Cost'], usageRows(r.topApplications), [1, 2, 3])}
${barChart(r.topPrincipals.map((u) => ({ label: u.key, value: u.calls })), { title: 'Calls by principal' })}
${table(['Principal', 'Calls', 'Tokens', 'Cost'], usageRows(r.topPrincipals), [1, 2, 3])}
</section>`);

  s.push(`<section id="audit"><h2>Audit chain verification</h2>
<p>${auditBadge} ${n(r.audit.events)} events in ${n(r.audit.instances)} chain(s), ${n(r.audit.digests)} signed digest(s), ${n(r.audit.unsigned)} event(s) not yet covered by a digest.
${r.audit.trustedKeys ? '' : '<br/><span class="muted">No trusted public keys were given: hash links were checked, digest signatures were not.</span>'}</p>
${table(['Problem', 'Detail'], r.audit.problems.map((p) => [esc(p.kind), esc(p.message)]))}
</section>`);

  const postureRows = r.posture.flatMap((p) => p.rules.map((rule) => [
    esc(p.application), badge(p.status), esc(rule.id), esc(rule.mode), badge(rule.status),
    rule.controls.map((c) => `${badge(c.status)} ${esc(c.label)} <span class="muted">${esc(c.detail)}</span>`).join('<br/>'),
  ]));
  s.push(`<section id="posture"><h2>Application posture</h2>
${r.posture.length ? '' : '<p class="muted">No applications registered, or no config given to evaluate against.</p>'}
${table(['Application', 'Posture', 'Rule', 'Mode', 'Status', 'Controls'], postureRows)}
</section>`);

  s.push(`<section id="assessments"><h2>Security assessments</h2>
${rateLines(r.assessments.map((a) => a.time.slice(0, 10)), assessmentSeries(r), { title: 'Attack block rate per application or model, by run' })}
${table(['When', 'Application', 'Model', 'Attacks', 'Block rate', 'Benign', 'False-block rate'], r.assessments.map((a) => [esc(a.time), esc(a.application ?? ''), esc(a.model ?? ''), n(a.attacks), `${(a.blockRate * 100).toFixed(0)}%`, n(a.benign), `${(a.falseBlockRate * 100).toFixed(0)}%`]), [3, 4, 5, 6])}
</section>`);

  s.push(`<section id="owasp"><h2>OWASP Top 10 for LLM Applications (2025)</h2>
${r.owasp.length ? '' : '<p class="muted">No config given: the map needs the configured controls.</p>'}
${table(['Item', 'Gateway reach', 'Controls', 'Outside the gateway'], r.owasp.map((o) => [
    `<b>${esc(o.id)}</b> ${esc(o.name)}`, badge(o.reach),
    o.controls.map((c) => `${badge(c.configured ? 'ok' : 'missing', c.configured ? 'configured' : 'not configured')} ${esc(c.name)}`).join('<br/>'),
    esc(o.outside),
  ]))}
</section>`);

  return `<!DOCTYPE html>
<html lang="en" xmlns="http://www.w3.org/1999/xhtml">
<head><meta charset="utf-8"/><meta name="viewport" content="width=device-width, initial-scale=1"/>
<title>Rampart compliance report ${esc(r.from.slice(0, 10))} to ${esc(r.to.slice(0, 10))}</title>
<style>${CSS}</style></head>
<body>
<header><h1>Rampart compliance report</h1><div>${esc(r.from)} to ${esc(r.to)} · generated ${esc(r.generatedAt)}</div></header>
<main>
${s.join('\n')}
</main>
</body>
</html>
`;
}
