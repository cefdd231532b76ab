/**
 * `rampart report compliance --from DATE --to DATE [--format html|json|md] [--out FILE] [--public-key FILE|DIR]`:
 * the compliance report for a period, from the configured store and config. A progress bar is drawn on stderr when
 * it is a terminal. A date without a time in --to means the end of that day.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs, flagString, UsageError } from './args.js';
import { FilterError, parseInstant } from '../records/query.js';
import { TrustedKeys } from '../records/signing.js';
import { gatherReport } from '../governance/report/data.js';
import { renderHtml } from '../governance/report/html.js';
import { renderMarkdown } from '../governance/report/markdown.js';
import { compileRuntime, progressBar, withGovernance, type GovernanceCliDeps } from '../governance/cli-support.js';
import { compileBaselines } from '../governance/baselines.js';

const USAGE = `usage:
  rampart report compliance --from DATE --to DATE [--format html|json|md] [--out FILE]
                            [--public-key FILE|DIR[,...]] [--config FILE]
DATE: ISO 8601 (2026-11-01, 2026-11-01T00:00:00Z) or a duration back from now (30d).`;

export async function reportCommand(argv: string[], deps: GovernanceCliDeps): Promise<number> {
  const out = deps.out ?? ((s) => process.stdout.write(s));
  const err = deps.err ?? ((s) => process.stderr.write(s));
  const now = deps.now?.() ?? new Date();
  const [sub, ...rest] = argv;
  if (sub !== 'compliance') throw new UsageError(USAGE);
  const args = parseArgs(rest);
  const format = flagString(args, 'format') ?? 'html';
  if (!['html', 'json', 'md'].includes(format)) throw new UsageError(`--format must be html, json or md\n${USAGE}`);
  const fromRaw = flagString(args, 'from');
  const toRaw = flagString(args, 'to');
  if (!fromRaw || !toRaw) throw new UsageError(`--from and --to are required\n${USAGE}`);
  let from: Date;
  let to: Date;
  try {
    from = parseInstant('--from', fromRaw, now);
    to = parseInstant('--to', toRaw, now);
  } catch (e) {
    if (e instanceof FilterError) throw new UsageError(e.message);
    throw e;
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(toRaw)) to = new Date(to.getTime() + 86_400_000);
  if (to.getTime() <= from.getTime()) throw new UsageError('--to must be after --from');
  const keyPaths = (flagString(args, 'public-key') ?? process.env.RAMPART_AUDIT_PUBLIC_KEYS ?? '').split(',').filter(Boolean);

  const bar = progressBar(deps.tty);
  const runtime = await compileRuntime(deps.loaded);
  try {
    const report = await gatherReport({
      store: deps.store, from, to, runtime,
      rules: compileBaselines(deps.loaded.config.governance.baselines),
      trusted: keyPaths.length ? TrustedKeys.load(keyPaths) : undefined,
      onProgress: (f, label) => bar.update(f, label),
      now: () => now,
    });
    bar.done();
    const text = format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : format === 'md' ? renderMarkdown(report) : renderHtml(report);
    const file = flagString(args, 'out');
    if (file) {
      writeFileSync(file, text);
      err(`wrote ${file} (${text.length} bytes): ${report.totals.invocations} calls, audit ${report.audit.ok ? 'verified' : 'FAILED'}\n`);
    } else out(text);
    return report.audit.ok ? 0 : 3;
  } finally {
    bar.done();
    await runtime.close();
  }
}

export function reportMain(argv: string[]): Promise<number> {
  return withGovernance(argv, (rest, deps) => reportCommand(rest, deps));
}
