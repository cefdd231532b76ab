import { Authorizer } from '../authz/authorizer.js';
import type { AuthzContext, Resource } from '../authz/entities.js';
import { loadPolicies, PolicyLoadError } from '../authz/policies.js';
import type { AnyAction } from '../authz/types.js';
import { compileModels, type CompiledModel } from '../config/compile.js';
import { defaultConfig, loadConfigFile } from '../config/load.js';
import { ModelSchema } from '../config/schema.js';
import type { AuthMethod, Principal } from '../identity/types.js';
import { flagString, parseArgs, UsageError } from './args.js';

/**
 * `rampart policy validate|check`: the same loader and authorizer the gateway runs, from the shell.
 *
 *   --principal  `roles=a,b;team=T;app=A;kind=user|api_key;id=X;mfa=true;auth=jwt` or a JSON Principal
 *   --resource   `model:NAME` (from --config's catalog, or the embedded defaults), `gateway`,
 *                `guardrail:ID`, `application:ID`, or a JSON model definition
 *   --context    JSON {sourceIp, at (ISO time), guardrails, streaming, maxTokens}
 * Exit status: 0 allow, 1 deny (or invalid policies), 2 usage.
 */

export interface PolicyIo {
  out?: (s: string) => void;
  err?: (s: string) => void;
}

const USAGE = `usage:
  rampart policy validate [--policies DIR] [--no-shipped-roles]
  rampart policy check --principal P --action A --resource R [--context JSON] [--policies DIR] [--config FILE] [--time-zone TZ] [--json]`;

const ACTIONS: readonly AnyAction[] = [
  'InvokeModel', 'InvokeModelWithResponseStream', 'Embed', 'ListModels', 'ApplyGuardrail',
  'ManageKeys', 'ManagePolicies', 'ManageGuardrails', 'ManageModels', 'ManageApplications', 'ApproveModel', 'ReadInvocationLogs', 'ReadAuditTrail',
];

function parseJson(flag: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`--${flag}: not valid JSON`);
  }
}

export function parsePrincipal(spec: string): Principal {
  if (spec.trim().startsWith('{')) {
    const p = parseJson('principal', spec) as Partial<Principal>;
    if (!p || typeof p !== 'object' || !Array.isArray(p.roles)) throw new UsageError('--principal JSON needs at least "roles"');
    return { id: p.id ?? 'cli:principal', kind: p.kind ?? 'api_key', name: p.name ?? 'cli', roles: p.roles, team: p.team, application: p.application, authMethod: p.authMethod ?? 'api_key', mfa: p.mfa ?? false };
  }
  const fields = new Map<string, string>();
  for (const part of spec.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) throw new UsageError(`--principal: expected key=value, got "${part}"`);
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const kind = fields.get('kind') ?? 'api_key';
  if (kind !== 'api_key' && kind !== 'user' && kind !== 'certificate') throw new UsageError('--principal kind: api_key, user or certificate');
  return {
    id: fields.get('id') ?? 'cli:principal',
    kind,
    name: fields.get('name') ?? 'cli',
    roles: (fields.get('roles') ?? '').split(',').map((r) => r.trim()).filter(Boolean),
    team: fields.get('team'),
    application: fields.get('app'),
    authMethod: (fields.get('auth') as AuthMethod | undefined) ?? (kind === 'user' ? 'jwt' : 'api_key'),
    mfa: fields.get('mfa') === 'true',
  };
}

function parseResource(spec: string, catalog: () => ReadonlyMap<string, CompiledModel>): Resource {
  if (spec.trim().startsWith('{')) {
    const parsed = ModelSchema.safeParse({ deployments: [{ provider: 'cli', model: 'cli' }], ...(parseJson('resource', spec) as object) });
    if (!parsed.success) throw new UsageError(`--resource: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const m = parsed.data;
    return { type: 'Model', model: { name: m.name, type: m.type, deployments: [], tier: m.tier, stage: m.stage, region: m.region, fineTuned: m.fineTuned, costClass: m.costClass, dataClassifications: m.dataClassifications } };
  }
  const colon = spec.indexOf(':');
  const kind = (colon < 0 ? spec : spec.slice(0, colon)).toLowerCase();
  const id = colon < 0 ? '' : spec.slice(colon + 1);
  switch (kind) {
    case 'gateway':
      return { type: 'Gateway' };
    case 'guardrail':
    case 'application':
      if (!id) throw new UsageError(`--resource ${kind}:ID needs an id`);
      return kind === 'guardrail' ? { type: 'Guardrail', id } : { type: 'Application', id };
    case 'model': {
      const m = catalog().get(id);
      if (!m) throw new UsageError(`--resource: no model "${id}" in the catalog`);
      return { type: 'Model', model: m };
    }
    default:
      throw new UsageError('--resource: model:NAME, gateway, guardrail:ID, application:ID or a JSON model');
  }
}

function parseContext(text: string | undefined): AuthzContext {
  const c = (text ? parseJson('context', text) : {}) as Record<string, unknown>;
  const at = typeof c.at === 'string' ? Date.parse(c.at) : typeof c.at === 'number' ? c.at : Date.now();
  if (Number.isNaN(at)) throw new UsageError('--context at: not a date');
  return {
    sourceIp: typeof c.sourceIp === 'string' ? c.sourceIp : '127.0.0.1',
    at,
    guardrails: Array.isArray(c.guardrails) ? c.guardrails.filter((g): g is string => typeof g === 'string') : [],
    streaming: c.streaming === true,
    maxTokens: typeof c.maxTokens === 'number' ? c.maxTokens : undefined,
  };
}

export async function policyCommand(argv: string[], io: PolicyIo = {}): Promise<number> {
  const out = io.out ?? ((s: string) => void process.stdout.write(s));
  const err = io.err ?? ((s: string) => void process.stderr.write(s));
  const [sub, ...rest] = argv;
  const args = parseArgs(rest, ['json', 'no-shipped-roles']);
  const loadOpts = { dir: flagString(args, 'policies'), shippedRoles: !args.flags.has('no-shipped-roles') };
  let policies;
  try {
    if (sub !== 'validate' && sub !== 'check') throw new UsageError(USAGE);
    policies = loadPolicies(loadOpts);
  } catch (e) {
    if (!(e instanceof PolicyLoadError)) throw e;
    err(`${e.message}\n`);
    return 1;
  }
  if (sub === 'validate') {
    for (const w of policies.warnings) err(`warning: ${w}\n`);
    out(`ok: ${policies.sources.length} policies\n`);
    return 0;
  }
  const principalSpec = flagString(args, 'principal');
  const action = flagString(args, 'action') as AnyAction | undefined;
  const resourceSpec = flagString(args, 'resource');
  if (!principalSpec || !action || !resourceSpec) throw new UsageError(USAGE);
  if (!ACTIONS.includes(action)) throw new UsageError(`--action: one of ${ACTIONS.join(', ')}`);
  const configFile = flagString(args, 'config');
  const catalog = () => compileModels(configFile ? loadConfigFile(configFile).config : defaultConfig().config);
  const authorizer = new Authorizer({ policies, timeZone: flagString(args, 'time-zone') });
  const d = authorizer.decide(parsePrincipal(principalSpec), action, parseResource(resourceSpec, catalog), parseContext(flagString(args, 'context')));
  if (args.flags.has('json')) out(`${JSON.stringify({ decision: d.decision, policyIds: d.policyIds, errors: d.errors })}\n`);
  else {
    out(`${d.decision}\n`);
    out(`policies: ${d.policyIds.join(', ') || '(none)'}\n`);
    for (const e of d.errors) out(`error: ${e}\n`);
  }
  return d.decision === 'allow' ? 0 : 1;
}
