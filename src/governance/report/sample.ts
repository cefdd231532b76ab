/**
 * Generates docs/sample-report.html: two weeks of synthetic traffic written by the real records library into a
 * scratch SQLite store, a catalog with an approval trail, three applications, and real assessments run through the
 * gateway (with and without guardrails). Run from the repository root:
 *
 *   node dist/src/governance/report/sample.js docs/sample-report.html
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigSchema } from '../../config/schema.js';
import { Runtime } from '../../config/runtime.js';
import { realDetectorKit } from '../../app.js';
import { Recorder, storeSink, generateSigningKey, signerFromPem, TrustedKeys, writeDigest } from '../../records/index.js';
import { fakeContext } from '../../records/testing.js';
import { openStore } from '../../store/index.js';
import { builtinDefault } from '../../guardrails/config.js';
import { Applications } from '../applications.js';
import { Catalog } from '../catalog.js';
import { runAssessment } from '../assess/run.js';
import { saveAssessment } from '../assess/save.js';
import { ApplicationSchema } from '../types.js';
import { gatherReport } from './data.js';
import { renderHtml } from './html.js';

const DAY = 86_400_000;

async function main(outFile: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-sample-'));
  const store = await openStore({ kind: 'sqlite', path: join(dir, 'r.db') });
  const config = ConfigSchema.parse({
    server: { bodyLimitBytes: 64 * 1024 },
    providers: [{ name: 'demo', kind: 'demo' }],
    models: [
      { name: 'gpt-4o-mini', region: 'eu-west-1', dataClassifications: ['public', 'internal', 'confidential'], deployments: [{ provider: 'demo', model: 'demo-1' }] },
      { name: 'claude-sonnet', region: 'us-east-1', deployments: [{ provider: 'demo', model: 'demo-2' }] },
      { name: 'llama-ft-support', stage: 'evaluation', tier: 'fine-tuned', fineTuned: true, deployments: [{ provider: 'demo', model: 'demo-3' }] },
    ],
    guardrails: {
      definitions: [{ id: 'consumer-strict', ...builtinDefault(), name: 'consumer-strict', rampart: { secrets: { action: 'BLOCK', enabled: true }, invisibleText: { action: 'BLOCK', enabled: true }, outputHandling: { allowedLinkDomains: ['example.com'], blockHtml: true } } }],
      attach: { all: [] },
    },
    limits: { rules: [{ id: 'app-rpm', on: 'application', rpm: 600 }] },
  });
  const loaded = { config, baseDir: process.cwd() };
  const signing = generateSigningKey();
  const trusted = new TrustedKeys();
  trusted.add(signing.publicKeyPem);
  const recorder = await Recorder.create({ spoolDir: join(dir, 'spool'), store: store.records, sinks: [storeSink(store.records)], sync: false, cost: (ctx) => ({ usd: ((ctx.usage?.inputTokens ?? 0) * 0.15 + (ctx.usage?.outputTokens ?? 0) * 0.6) / 1000 }) });
  const end = Date.UTC(2026, 10, 28);
  const principals = [['apikey:key_support01', 'support-bot', 'gpt-4o-mini'], ['apikey:key_hr0001', 'hr-assistant', 'gpt-4o-mini'], ['user:https://idp.example#dana', 'code-helper', 'claude-sonnet'], ['apikey:key_support02', 'support-bot', 'gpt-4o-mini']] as const;
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let d = 13; d >= 0; d--) {
    for (let i = 0; i < 30 + Math.floor(rnd() * 30); i++) {
      const [pid, app, model] = principals[Math.floor(rnd() * principals.length)];
      const at = new Date(end - d * DAY + Math.floor(rnd() * DAY));
      const base = fakeContext({ startedAt: at, principal: { ...fakeContext().principal!, id: pid, keyId: pid, application: app }, usage: { inputTokens: 50 + Math.floor(rnd() * 900), outputTokens: 20 + Math.floor(rnd() * 400) } });
      const roll = rnd();
      const guard = (action: 'INTERVENED' | 'ANONYMIZED', type: string, detector: string) => [{ guardrailId: 'consumer-strict', version: '1', source: 'INPUT' as const, action, mode: 'enforce' as const, findings: [{ detector, type, confidence: 'HIGH' as const }] }];
      if (roll < 0.05) recorder.record({ ...base, chat: { ...base.chat!, model }, status: 400, response: undefined, guardrails: guard('INTERVENED', 'PROMPT_ATTACK', 'content') });
      else if (roll < 0.08) recorder.record({ ...base, chat: { ...base.chat!, model }, status: 400, response: undefined, guardrails: guard('INTERVENED', 'AWS_ACCESS_KEY', 'secrets') });
      else if (roll < 0.14) recorder.record({ ...base, chat: { ...base.chat!, model }, guardrails: guard('ANONYMIZED', rnd() < 0.5 ? 'EMAIL' : 'US_SOCIAL_SECURITY_NUMBER', 'pii') });
      else if (roll < 0.16) recorder.record({ ...base, chat: { ...base.chat!, model: 'llama-ft-support' }, status: 403, response: undefined, decision: { decision: 'deny', policyIds: [], errors: [] }, error: undefined });
      else recorder.record({ ...base, chat: { ...base.chat!, model } });
    }
  }
  await recorder.flush();
  await recorder.close();
  await writeDigest(store.records, signerFromPem(signing.privateKeyPem), { intervalMs: 3_600_000 });

  const audit = () => undefined;
  const catalog = new Catalog({ store: store.governance, audit });
  const apps = new Applications({ store: store.governance, audit });
  const ops = { id: 'user:ops', roles: ['platform-admin'] };
  await catalog.register(ops, { name: 'gpt-4o-mini', provider: 'openai', upstreamId: 'gpt-4o-mini', stage: 'evaluation', region: 'eu-west-1', dataClassifications: ['public', 'internal', 'confidential'], owner: 'platform-team', modelCard: 'https://example.com/model-cards/gpt-4o-mini' });
  const r = await catalog.requestTransition({ id: 'user:dana', roles: [] }, 'gpt-4o-mini', 'approved', 'Pilot complete; assessment attached');
  await catalog.decide({ id: 'user:lee', roles: ['legal'] }, r.id, { decision: 'approve', reason: 'DPA and EU data processing addendum signed' });
  await catalog.decide({ id: 'user:pat', roles: ['procurement'] }, r.id, { decision: 'approve', reason: 'Enterprise agreement in place' });
  await catalog.decide({ id: 'user:sam', roles: ['security'] }, r.id, { decision: 'approve', reason: 'Assessment: attacks blocked, no false blocks' });
  await catalog.register(ops, { name: 'claude-sonnet', provider: 'anthropic', stage: 'approved', region: 'us-east-1', dataClassifications: ['public', 'internal'], owner: 'platform-team' });
  await catalog.register(ops, { name: 'llama-ft-support', provider: 'self-hosted', stage: 'evaluation', tier: 'fine-tuned', fineTuned: true, trainingDataClassification: 'confidential', dataClassifications: ['public', 'internal', 'confidential'], owner: 'ml-team' });
  await catalog.requestTransition({ id: 'user:mia', roles: [] }, 'llama-ft-support', 'approved', 'Fine-tuned on support tickets');
  const support = ApplicationSchema.parse({ id: 'support-bot', name: 'Customer support assistant', owner: 'support@example.com', team: 'support', exposure: 'consumer-facing', scope: 3, dataClassification: 'internal', criticality: 'critical', guardrails: ['consumer-strict'], loggingMode: 'masked', limits: { requestsPerMinute: 600 }, models: ['gpt-4o-mini'], fallbackDeployments: ['demo/demo-2'], allowedRegions: ['eu-west-1'] });
  const hr = ApplicationSchema.parse({ id: 'hr-assistant', name: 'HR policy assistant', owner: 'hr@example.com', exposure: 'internal', scope: 3, dataClassification: 'confidential', criticality: 'medium', guardrails: [], loggingMode: 'full', models: ['gpt-4o-mini'] });
  const code = ApplicationSchema.parse({ id: 'code-helper', name: 'Internal code helper', owner: 'dev@example.com', exposure: 'internal', scope: 2, dataClassification: 'internal', criticality: 'low', models: ['claude-sonnet'] });
  for (const a of [support, hr, code]) await apps.create(ops, a);

  // Real assessments through the gateway, for the trend: the support bot with its guardrail, the HR assistant without.
  for (const [app, when] of [[hr, end - 10 * DAY], [support, end - 9 * DAY], [hr, end - 3 * DAY], [support, end - 2 * DAY]] as const) {
    const result = await runAssessment({ loaded, model: 'gpt-4o-mini', app, now: () => new Date(when) });
    await saveAssessment(store, result, { actor: ops, audit });
    process.stderr.write(`assessment ${app.id}: blocked ${result.summary.blocked}/${result.summary.attacks}, false blocks ${result.summary.falseBlocks}/${result.summary.benign}\n`);
  }

  const runtime = new Runtime(loaded, { kit: realDetectorKit() });
  const report = await gatherReport({ store, from: new Date(end - 14 * DAY), to: new Date(end + DAY), runtime, trusted, now: () => new Date(end + DAY / 2) });
  writeFileSync(outFile, renderHtml(report));
  process.stderr.write(`wrote ${outFile}: ${report.totals.invocations} calls, audit ${report.audit.ok ? 'verified' : 'FAILED'}\n`);
  await runtime.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}

main(process.argv[2] ?? 'docs/sample-report.html').catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
