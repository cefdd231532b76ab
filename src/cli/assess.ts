/**
 * `rampart assess --app ID [--model NAME] [--corpus FILE] [--json]`: sends the built-in (or given) corpus through the
 * real gateway path as the application, prints block rate, false blocks and results per OWASP item, and stores the
 * result for trending in the compliance report.
 * `rampart assess --model NAME`: the same against a model in the evaluation stage, with the evaluation role (the
 * sandbox); the result is attached to the model's open approval request so approvers decide on evidence.
 */
import { readFileSync } from 'node:fs';
import { parseArgs, flagString, UsageError } from './args.js';
import { Applications } from '../governance/applications.js';
import { Catalog } from '../governance/catalog.js';
import { cliAudit, progressBar, withGovernance, type GovernanceCliDeps } from '../governance/cli-support.js';
import { CorpusSchema, type CorpusProbe } from '../governance/assess/corpus.js';
import { runAssessment } from '../governance/assess/run.js';
import { saveAssessment } from '../governance/assess/save.js';
import type { AssessmentResult } from '../governance/assess/types.js';
import { OWASP_NAMES } from '../governance/report/owasp.js';
import { formatPath } from '../governance/types.js';

const USAGE = `usage:
  rampart assess --app ID [--model NAME] [--corpus FILE] [--json] [--as ID] [--config FILE]
  rampart assess --model NAME [--corpus FILE] [--json] [--as ID] [--config FILE]`;

function loadCorpus(file: string): CorpusProbe[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`--corpus ${file}: ${(e as Error).message}`);
  }
  const r = CorpusSchema.safeParse(raw);
  if (!r.success) throw new UsageError(`--corpus ${file}: ${r.error.issues.slice(0, 10).map((i) => `${formatPath(i.path)}: ${i.message}`).join('; ')}`);
  return r.data;
}

export function formatAssessment(r: AssessmentResult): string {
  const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
  const lines = [
    `assessment ${r.id} (${r.target === 'model' ? `model ${r.model}, evaluation sandbox` : `application ${r.application} via ${r.model}`})`,
    `  attacks blocked: ${r.summary.blocked}/${r.summary.attacks} (${pct(r.summary.blockRate)})`,
    `  false blocks:    ${r.summary.falseBlocks}/${r.summary.benign} benign (${pct(r.summary.falseBlockRate)})`,
    '  by OWASP item:',
    ...Object.entries(r.byOwasp).sort().map(([k, v]) => `    ${k} ${(OWASP_NAMES[k] ?? '').padEnd(34)} ${v.blocked}/${v.total}`),
    '  by category:',
    ...Object.entries(r.byCategory).sort().map(([k, v]) => `    ${k.padEnd(26)} ${v.blocked}/${v.total}`),
    '  not stopped:',
    ...r.outcomes.filter((o) => o.attack && !o.blocked).map((o) => `    ${o.id} (${o.category}, HTTP ${o.status})`),
  ];
  return `${lines.join('\n')}\n`;
}

export async function assessCommand(argv: string[], deps: GovernanceCliDeps): Promise<number> {
  const out = deps.out ?? ((s) => process.stdout.write(s));
  const err = deps.err ?? ((s) => process.stderr.write(s));
  const args = parseArgs(argv, ['json']);
  const appId = flagString(args, 'app');
  const modelFlag = flagString(args, 'model');
  if (!appId && !modelFlag) throw new UsageError(USAGE);
  const corpusFile = flagString(args, 'corpus');
  const corpus = corpusFile ? loadCorpus(corpusFile) : undefined;
  const actor = { id: `cli:${flagString(args, 'as') ?? process.env.USER ?? 'operator'}`, roles: ['platform-admin'] };
  const audit = cliAudit(deps.store);
  const catalog = new Catalog({ store: deps.store.governance, audit, approvers: deps.loaded.config.governance.approvers, changes: deps.store.changes });
  const bar = progressBar(deps.tty);
  const onProgress = (done: number, total: number) => bar.update(done / total, `probe ${done}/${total}`);

  let result: AssessmentResult;
  if (appId) {
    const app = await new Applications({ store: deps.store.governance, audit }).get(appId);
    if (!app) throw new UsageError(`no application "${appId}" in the registry (rampart governance apps create ...)`);
    const model = modelFlag ?? app.models[0];
    if (!model) throw new UsageError(`application "${appId}" declares no models; pass --model NAME`);
    result = await runAssessment({ loaded: deps.loaded, model, app, corpus, onProgress, now: deps.now });
  } else {
    const entry = await catalog.get(modelFlag!);
    if (!entry) throw new UsageError(`no model "${modelFlag}" in the catalog`);
    if (entry.stage !== 'evaluation') throw new UsageError(`model "${modelFlag}" is ${entry.stage}; model assessments run in the evaluation stage`);
    result = await runAssessment({ loaded: deps.loaded, model: modelFlag!, catalogEntry: entry, corpus, onProgress, now: deps.now });
  }
  bar.done();
  const { attachedTo } = await saveAssessment(deps.store, result, { actor, audit, catalog });
  if (args.flags.has('json')) out(`${JSON.stringify(result, null, 2)}\n`);
  else out(formatAssessment(result));
  if (attachedTo) err(`attached to approval request ${attachedTo}\n`);
  return 0;
}

export function assessMain(argv: string[]): Promise<number> {
  return withGovernance(argv, (rest, deps) => assessCommand(rest, deps));
}
