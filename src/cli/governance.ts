/**
 * `rampart governance models|apps|approvals|baselines ...`: the catalog, approvals and application registry from the
 * command line, for operators with access to the store. Every change is audited in the admin chain under the
 * identity given with --as (the admin API is the authenticated path; the CLI trusts whoever can open the database).
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { parseArgs, flagString, UsageError, type ParsedArgs } from './args.js';
import { Applications } from '../governance/applications.js';
import { Catalog } from '../governance/catalog.js';
import { compileBaselines } from '../governance/baselines.js';
import { cliAudit, compileRuntime, withGovernance, type GovernanceCliDeps } from '../governance/cli-support.js';
import { postureOf } from '../governance/enforce.js';
import type { Actor, Stage } from '../governance/types.js';
import { StageSchema } from '../config/schema.js';
import { RampartError } from '../errors.js';

const USAGE = `usage:
  rampart governance models list | show NAME | import
  rampart governance models propose --file FILE.(json|yaml)       (enters the catalog as proposed)
  rampart governance models update NAME --file FILE
  rampart governance models request NAME --to STAGE --reason TEXT
  rampart governance approvals list [--model NAME] [--status pending|approved|rejected|cancelled]
  rampart governance approvals approve|reject ID --reason TEXT [--role ROLE]
  rampart governance approvals cancel ID --reason TEXT
  rampart governance apps list | show ID | delete ID | posture [ID]
  rampart governance apps create --file FILE | update ID --file FILE
  rampart governance baselines
Every change needs --as ID (who acts) and, for approvals, --roles R1,R2 (the roles they hold). Add --json for JSON.`;

function readDoc(args: ParsedArgs): unknown {
  const file = flagString(args, 'file');
  if (!file) throw new UsageError('--file FILE is required');
  const text = readFileSync(file, 'utf8');
  return file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
}

function actorOf(args: ParsedArgs): Actor {
  const id = flagString(args, 'as');
  if (!id) throw new UsageError('--as ID is required for changes (who acts, as recorded in the audit trail)');
  return { id, roles: (flagString(args, 'roles') ?? '').split(',').map((r) => r.trim()).filter(Boolean) };
}

function need(v: string | undefined, what: string): string {
  if (!v) throw new UsageError(`${what} is required\n${USAGE}`);
  return v;
}

export async function governanceCommand(argv: string[], deps: GovernanceCliDeps): Promise<number> {
  const out = deps.out ?? ((s) => process.stdout.write(s));
  const err = deps.err ?? ((s) => process.stderr.write(s));
  const [area, verb, ...rest] = argv;
  const args = parseArgs(rest, ['json']);
  const [target] = args.positionals;
  const json = args.flags.has('json');
  const audit = cliAudit(deps.store);
  const gov = deps.loaded.config.governance;
  const catalog = new Catalog({ store: deps.store.governance, audit, approvers: gov.approvers, changes: deps.store.changes });
  const apps = new Applications({ store: deps.store.governance, audit, changes: deps.store.changes });
  const print = (v: unknown, line?: string) => out(json || line === undefined ? `${JSON.stringify(v, null, 2)}\n` : `${line}\n`);

  try {
    switch (`${area} ${verb}`) {
      case 'models list': {
        const list = await catalog.list();
        if (json) print(list);
        else for (const m of list) out(`${m.name.padEnd(32)} ${m.stage.padEnd(11)} ${m.tier.padEnd(12)} ${m.dataClassifications.join(',')}\n`);
        return 0;
      }
      case 'models show': {
        const m = await catalog.get(need(target, 'NAME'));
        if (!m) throw new RampartError('not_found', { message: `No model "${target}" in the catalog.` });
        print({ model: m, approvals: await catalog.listApprovals({ model: m.name }) });
        return 0;
      }
      case 'models import': {
        // Records the config's models at their current stage: the status quo, before approvals govern changes.
        const actor = actorOf(args);
        let n = 0;
        for (const m of deps.loaded.config.models) {
          if (await catalog.get(m.name)) continue;
          await catalog.register(actor, { name: m.name, provider: m.deployments[0]?.provider, upstreamId: m.deployments[0]?.model, tier: m.tier, stage: m.stage, costClass: m.costClass, dataClassifications: m.dataClassifications, region: m.region, fineTuned: m.fineTuned });
          n++;
        }
        err(`imported ${n} model(s)\n`);
        return 0;
      }
      case 'models propose':
        print(await catalog.propose(actorOf(args), readDoc(args)), 'proposed');
        return 0;
      case 'models update':
        print(await catalog.update(actorOf(args), need(target, 'NAME'), readDoc(args) as Record<string, never>), 'updated');
        return 0;
      case 'models request': {
        const to = StageSchema.safeParse(flagString(args, 'to'));
        if (!to.success) throw new UsageError(`--to must be one of ${StageSchema.options.join(', ')}`);
        const a = await catalog.requestTransition(actorOf(args), need(target, 'NAME'), to.data as Stage, need(flagString(args, 'reason'), '--reason'));
        print(a, `approval request ${a.id}: ${a.from} -> ${a.to}, needs ${catalog.required(a).join(', ')}`);
        return 0;
      }
      case 'approvals list': {
        const status = flagString(args, 'status') as 'pending' | undefined;
        const list = await catalog.listApprovals({ model: flagString(args, 'model'), status });
        if (json) print(list);
        else for (const a of list) out(`${a.id}  ${a.model}  ${a.from} -> ${a.to}  ${a.status}  by ${a.requestedBy}  (${a.decisions.length}/${catalog.required(a).length} decisions)\n`);
        return 0;
      }
      case 'approvals approve':
      case 'approvals reject': {
        const a = await catalog.decide(actorOf(args), need(target, 'ID'), { decision: verb === 'approve' ? 'approve' : 'reject', reason: need(flagString(args, 'reason'), '--reason'), role: flagString(args, 'role') });
        print(a, `${a.id}: ${a.status}${a.status === 'approved' ? ` (${a.model} is now ${a.to})` : ''}`);
        return 0;
      }
      case 'approvals cancel':
        print(await catalog.cancel(actorOf(args), need(target, 'ID'), need(flagString(args, 'reason'), '--reason')), 'cancelled');
        return 0;
      case 'apps list': {
        const list = await apps.list();
        if (json) print(list);
        else for (const a of list) out(`${a.id.padEnd(28)} scope ${a.scope}  ${a.exposure.padEnd(15)} ${a.dataClassification.padEnd(12)} ${a.criticality}\n`);
        return 0;
      }
      case 'apps show': {
        const a = await apps.get(need(target, 'ID'));
        if (!a) throw new RampartError('not_found', { message: `No application "${target}".` });
        print(a);
        return 0;
      }
      case 'apps create':
        print(await apps.create(actorOf(args), readDoc(args)), 'created');
        return 0;
      case 'apps update':
        print(await apps.update(actorOf(args), need(target, 'ID'), readDoc(args) as Record<string, unknown>), 'updated');
        return 0;
      case 'apps delete':
        if (!(await apps.delete(actorOf(args), need(target, 'ID')))) throw new RampartError('not_found', { message: `No application "${target}".` });
        return 0;
      case 'apps posture': {
        const runtime = await compileRuntime(deps.loaded);
        try {
          const snap = { apps: new Map((await apps.list()).map((a) => [a.id, a])), catalog: await catalog.overrides() };
          const rules = compileBaselines(gov.baselines);
          const list = [...snap.apps.values()].filter((a) => !target || a.id === target).map((a) => postureOf(runtime, snap, a, rules));
          if (target && list.length === 0) throw new RampartError('not_found', { message: `No application "${target}".` });
          if (json) print(list);
          else {
            for (const p of list) {
              out(`${p.application}: ${p.status.toUpperCase()}\n`);
              for (const r of p.rules) out(`  [${r.status.padEnd(7)}] ${r.id} (${r.mode})${r.status === 'met' ? '' : `: ${r.controls.filter((c) => c.status !== 'met').map((c) => `${c.label} ${c.status} (${c.detail})`).join('; ')}`}\n`);
            }
          }
          return list.some((p) => p.status === 'blocked') ? 4 : 0;
        } finally {
          await runtime.close();
        }
      }
      case 'baselines undefined':
      case 'baselines list':
        print(compileBaselines(gov.baselines));
        return 0;
      default:
        throw new UsageError(USAGE);
    }
  } catch (e) {
    if (e instanceof RampartError) {
      err(`refused (${e.code}${e.param ? `, ${e.param}` : ''}): ${e.message}\n`);
      return e.code === 'not_found' ? 1 : 2;
    }
    throw e;
  }
}

export function governanceMain(argv: string[]): Promise<number> {
  return withGovernance(argv, (rest, deps) => governanceCommand(rest, deps));
}
