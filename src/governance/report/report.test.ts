/**
 * The compliance report rendered from real recorded traffic: the records library's Recorder writes invocation
 * records and audit events into a real SQLite store, the governance library adds a catalog, approvals, applications
 * and an assessment, and `rampart report compliance` renders them. The HTML is checked by parsing it.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, type DefaultTreeAdapterMap } from 'parse5';
import { ConfigSchema } from '../../config/schema.js';
import { Recorder, storeSink } from '../../records/index.js';
import { fakeContext } from '../../records/testing.js';
import type { Store } from '../../store/types.js';
import { reportCommand } from '../../cli/report.js';
import { Applications } from '../applications.js';
import { Catalog } from '../catalog.js';
import { score } from '../assess/run.js';
import { saveAssessment } from '../assess/save.js';
import { appInput, FULL_GUARDRAIL, memoryAudit, tempStore } from '../testing.js';

type Node = DefaultTreeAdapterMap['node'];
type Element = DefaultTreeAdapterMap['element'];

/** Every element with this tag under node (depth first, document order). */
function find(node: Node, tag: string, out: Element[] = []): Element[] {
  if ('tagName' in node && node.tagName === tag) out.push(node);
  const kids = 'childNodes' in node ? node.childNodes : [];
  for (const k of kids) find(k, tag, out);
  if ('content' in node && node.content) find(node.content as Node, tag, out);
  return out;
}
const attr = (el: Element, name: string) => el.attrs.find((a) => a.name === name)?.value;
/** Text content with element boundaries as spaces, whitespace collapsed. */
function text(node: Node): string {
  if (node.nodeName === '#text') return (node as DefaultTreeAdapterMap['textNode']).value;
  const kids = 'childNodes' in node ? node.childNodes : [];
  return kids.map(text).join(' ').replace(/\s+/g, ' ').trim();
}

describe('compliance report from recorded traffic', () => {
  let store: Store;
  let dir: string;
  let cleanup: () => Promise<void>;
  const now = new Date();
  const config = ConfigSchema.parse({
    providers: [{ name: 'demo', kind: 'demo' }],
    models: [{ name: 'gpt-4o-mini', deployments: [{ provider: 'demo', model: 'demo-1' }] }],
    limits: { rules: [{ id: 'per-app', on: 'application', rpm: 600 }] },
    guardrails: { definitions: [{ id: 'full', ...FULL_GUARDRAIL }], attach: { all: ['full'] } },
  });

  before(async () => {
    ({ store, dir, cleanup } = await tempStore());
    const recorder = await Recorder.create({ spoolDir: join(dir, 'spool'), store: store.records, sinks: [storeSink(store.records)], sync: false, cost: () => ({ usd: 0.002 }) });
    const principal = (id: string, application: string) => ({ ...fakeContext().principal!, id, keyId: id, application });
    for (let i = 0; i < 12; i++) recorder.record(fakeContext({ principal: principal('apikey:k_support', 'support-bot') }));
    for (let i = 0; i < 5; i++) recorder.record(fakeContext({ principal: principal('apikey:k_hr', 'hr-assistant') }));
    for (let i = 0; i < 3; i++) {
      recorder.record(fakeContext({
        principal: principal('apikey:k_support', 'support-bot'),
        status: 400, response: undefined, usage: undefined,
        guardrails: [{ guardrailId: 'rampart-default', version: '1', source: 'INPUT', action: 'INTERVENED', mode: 'enforce', findings: [{ detector: 'content', type: 'PROMPT_ATTACK', confidence: 'HIGH' }] }],
      }));
    }
    recorder.record(fakeContext({
      principal: principal('apikey:k_hr', 'hr-assistant'),
      guardrails: [{ guardrailId: 'rampart-default', version: '1', source: 'INPUT', action: 'ANONYMIZED', mode: 'enforce', findings: [{ detector: 'pii', type: 'US_SOCIAL_SECURITY_NUMBER', confidence: 'HIGH' }] }],
    }));
    for (let i = 0; i < 2; i++) {
      recorder.record(fakeContext({
        principal: principal('apikey:k_intruder', 'support-bot'),
        decision: { decision: 'deny', policyIds: ['retired-models-unreachable'], errors: [] }, status: 403, response: undefined, usage: undefined,
      }));
    }
    await recorder.flush();
    await recorder.close();

    const { audit } = memoryAudit();
    const catalog = new Catalog({ store: store.governance, audit });
    const dana = { id: 'user:dana', roles: ['ml-engineer'] };
    await catalog.register(dana, { name: 'gpt-4o-mini', stage: 'evaluation', dataClassifications: ['public', 'internal'], owner: 'platform' });
    const r = await catalog.requestTransition(dana, 'gpt-4o-mini', 'approved', 'evaluation passed <b>ok</b>');
    await catalog.decide({ id: 'user:lee', roles: ['legal'] }, r.id, { decision: 'approve', reason: 'DPA signed' });
    await catalog.decide({ id: 'user:pat', roles: ['procurement'] }, r.id, { decision: 'approve', reason: 'contract in place' });
    await catalog.decide({ id: 'user:sam', roles: ['security'] }, r.id, { decision: 'approve', reason: 'assessment 94% block rate' });
    const apps = new Applications({ store: store.governance, audit });
    await apps.create(dana, appInput({ id: 'support-bot', scope: 3, exposure: 'consumer-facing', models: ['gpt-4o-mini'] }));
    await apps.create(dana, appInput({ id: 'hr-assistant', scope: 2, dataClassification: 'confidential', loggingMode: 'full', guardrails: ['full'] }));
    const result = score([
      { id: 'a', category: 'jailbreak', owasp: 'LLM01', attack: true, status: 400, blocked: true },
      { id: 'b', category: 'benign', attack: false, status: 200, blocked: false },
    ], { model: 'gpt-4o-mini', application: 'support-bot', target: 'application', time: now.toISOString() });
    await saveAssessment(store, result, { actor: dana, audit });
  });
  after(() => cleanup());

  async function render(format: string): Promise<{ code: number; out: string }> {
    let out = '';
    const code = await reportCommand(['compliance', '--from', '1d', '--to', new Date(now.getTime() + 3_600_000).toISOString(), '--format', format], {
      store, loaded: { config, baseDir: process.cwd() }, out: (s) => { out += s; }, err: () => undefined, now: () => now, tty: { isTTY: false, write: () => true },
    });
    return { code, out };
  }

  it('renders one well-formed, self-contained HTML file whose figures match the traffic', async () => {
    const { code, out } = await render('html');
    assert.equal(code, 0, 'audit chain verified');
    const problems: string[] = [];
    const doc = parse(out, { onParseError: (e) => problems.push(`${e.code} at line ${e.startLine}`) });
    assert.deepEqual(problems, [], 'the HTML parses without a single error');
    assert.doesNotMatch(out, /<script|<link |src="http|href="http|@import|url\(/i, 'no scripts or external resources');
    const sections = find(doc, 'section');
    assert.deepEqual(sections.map((s) => attr(s, 'id')), ['models', 'denials', 'interventions', 'usage', 'audit', 'posture', 'assessments', 'owasp']);
    const byId = Object.fromEntries(sections.map((s) => [attr(s, 'id')!, s]));
    const cards = find(doc, 'div').filter((d) => attr(d, 'class') === 'card').map(text);
    assert.ok(cards.some((c) => /Model calls\s+23/.test(c)), cards.join(' | '));
    assert.ok(cards.some((c) => /Denied\s+2/.test(c)));
    assert.ok(cards.some((c) => /Guardrail interventions\s+3/.test(c)));
    assert.ok(cards.some((c) => /Cost\s+\$0\.05/.test(c)), 'costs summed from the records');
    assert.ok(find(doc, 'svg').length >= 4, 'inline SVG charts');
    const interventions = text(byId.interventions);
    assert.match(interventions, /PROMPT_ATTACK\s+3/);
    assert.match(interventions, /US_SOCIAL_SECURITY_NUMBER\s+1/);
    const models = text(byId.models);
    assert.match(models, /approve by user:sam as security .*assessment 94% block rate/);
    assert.match(out, /evaluation passed &lt;b&gt;ok&lt;\/b&gt;/, 'user text is escaped');
    assert.match(text(byId.denials), /retired-models-unreachable\s+2/);
    assert.match(text(byId.usage), /support-bot\s+17/);
    assert.match(text(byId.audit), /VERIFIED/);
    const posture = text(byId.posture);
    assert.match(posture, /support-bot warn consumer-limits warn missing/, 'the default guardrail covers the rest');
    assert.match(posture, /hr-assistant\s+blocked\s+confidential-logging/);
    assert.equal(find(byId.owasp, 'tr').length, 11, 'header plus the ten OWASP items');
    assert.match(text(byId.owasp), /LLM10 Unbounded Consumption\s+gateway\s+configured/);
    assert.match(text(byId.assessments), /support-bot\s+gpt-4o-mini\s+1\s+100%/);
  });

  it('renders JSON and Markdown with the same figures', async () => {
    const json = JSON.parse((await render('json')).out) as { totals: { invocations: number }; owasp: unknown[]; posture: unknown[] };
    assert.equal(json.totals.invocations, 23);
    assert.equal(json.owasp.length, 10);
    assert.equal(json.posture.length, 2);
    const md = (await render('md')).out;
    assert.match(md, /^# Rampart compliance report/);
    assert.match(md, /\| PROMPT_ATTACK \| 3 \|/);
  });

  it('refuses bad periods and formats', async () => {
    const deps = { store, loaded: { config, baseDir: process.cwd() } };
    await assert.rejects(reportCommand(['compliance', '--from', '2026-01-02', '--to', '2026-01-01'], deps), /after --from/);
    await assert.rejects(reportCommand(['compliance', '--from', 'yesterday', '--to', '1d'], deps), /not a time/);
    await assert.rejects(reportCommand(['compliance', '--from', '1d', '--to', '0d', '--format', 'pdf'], deps), /--format/);
  });
});
