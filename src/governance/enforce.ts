/**
 * Governance on the request path. `GovernanceState` keeps the registry and catalog in memory (re-read when the
 * store's change channel says so), and `createPostureCheck` returns the check the authorize step calls: it refuses a
 * non-compliant application's calls when a block-mode rule is unmet, and calls whose model or regions the
 * application's classification forbids. It reads only memory: no store round trip per request.
 */
import { RampartError } from '../errors.js';
import type { Runtime } from '../config/runtime.js';
import type { RequestContext } from '../pipeline/context.js';
import type { Store } from '../store/types.js';
import { parseGuardrailRef } from '../guardrails/stages.js';
import { ApplicationSchema, CatalogEntrySchema, classRank, parseWith, type Application, type CatalogEntry } from './types.js';
import { applicableRules, BASELINE_RULES, type BaselineRule } from './baselines.js';
import { blockingReason, evaluatePosture, type ModelFacts, type Posture, type PostureGuardrail } from './posture.js';
import { allowedDeployments, applyCatalog, type GovernedModel } from './residency.js';

import { GOVERNANCE_TOPIC } from './topic.js';

export { GOVERNANCE_TOPIC };

export interface GovernanceSnapshot {
  readonly apps: ReadonlyMap<string, Application>;
  readonly catalog: ReadonlyMap<string, CatalogEntry>;
}

export class GovernanceState {
  private snap: GovernanceSnapshot = { apps: new Map(), catalog: new Map() };
  private unsubscribe?: () => void;
  private loading?: Promise<void>;

  private constructor(private readonly store: Store, private readonly onError: (err: unknown) => void) {}

  static async open(store: Store, onError: (err: unknown) => void = () => undefined): Promise<GovernanceState> {
    const s = new GovernanceState(store, onError);
    await s.refresh();
    s.unsubscribe = store.changes.subscribe((topic) => {
      if (topic === GOVERNANCE_TOPIC || topic === '*') s.refresh().catch(onError);
    });
    return s;
  }

  snapshot(): GovernanceSnapshot {
    return this.snap;
  }

  /** Re-reads everything; concurrent calls share one read. A failed read keeps the last good snapshot. */
  refresh(): Promise<void> {
    this.loading ??= (async () => {
      try {
        const [apps, models] = await Promise.all([this.store.governance.listDocs('application'), this.store.governance.listDocs('model')]);
        this.snap = {
          apps: new Map(apps.map((d) => [d.id, parseWith(ApplicationSchema, JSON.parse(d.body))])),
          catalog: new Map(models.map((d) => [d.id, parseWith(CatalogEntrySchema, JSON.parse(d.body))])),
        };
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }

  close(): void {
    this.unsubscribe?.();
  }
}

/** The guardrails an application's calls get: the config's `attach.all` and `attach.applications[id]`, plus the registry's. */
export function applicationGuardrails(runtime: Pick<Runtime, 'guardrails'>, app: Application): { guardrails: PostureGuardrail[]; unknown: string[] } {
  const set = runtime.guardrails;
  const refs = [...set.attach.all, ...(set.attach.applications[app.id] ?? []), ...app.guardrails];
  const seen = new Set<string>();
  const guardrails: PostureGuardrail[] = [];
  const unknown: string[] = [];
  for (const r of refs) {
    if (seen.has(r)) continue;
    seen.add(r);
    let g;
    try {
      g = set.get(parseGuardrailRef(r));
    } catch {
      g = undefined;
    }
    if (g) guardrails.push({ id: g.id, mode: g.mode, definition: g.definition });
    else unknown.push(r);
  }
  return { guardrails, unknown };
}

/** Posture of one application against a runtime's guardrails and models (after the catalog overrides). */
export function postureOf(
  runtime: Pick<Runtime, 'guardrails' | 'models'>,
  snap: GovernanceSnapshot,
  app: Application,
  rules: readonly BaselineRule[] = BASELINE_RULES,
): Posture {
  const { guardrails, unknown } = applicationGuardrails(runtime, app);
  const models = applyCatalog(runtime.models, snap.catalog as Map<string, CatalogEntry>);
  const facts = new Map<string, ModelFacts>(models);
  // Catalog-only models (no deployments yet) still have facts posture can check.
  for (const [name, e] of snap.catalog) if (!facts.has(name)) facts.set(name, { name, dataClassifications: e.dataClassifications, fineTuned: e.fineTuned, trainingDataClassification: e.trainingDataClassification });
  return evaluatePosture({ app, guardrails, unknownGuardrails: unknown, models: facts, rules });
}

export interface PostureCheckOptions {
  state: { snapshot(): GovernanceSnapshot };
  rules?: readonly BaselineRule[];
  /** A caller whose application is not in the registry: allow (default) or deny. */
  unregistered?: 'allow' | 'deny';
}

/**
 * The check for the authorize step: call it after ctx.principal and ctx.model are set. Throws
 * RampartError('forbidden') naming the rule. Posture is cached per (snapshot, runtime, application).
 */
export function createPostureCheck(opts: PostureCheckOptions): (ctx: RequestContext) => void {
  const rules = opts.rules ?? BASELINE_RULES;
  const cache = new WeakMap<GovernanceSnapshot, WeakMap<object, Map<string, Posture>>>();
  const postureFor = (snap: GovernanceSnapshot, runtime: Runtime, app: Application): Posture => {
    let byRuntime = cache.get(snap);
    if (!byRuntime) cache.set(snap, (byRuntime = new WeakMap()));
    let byApp = byRuntime.get(runtime);
    if (!byApp) byRuntime.set(runtime, (byApp = new Map()));
    let p = byApp.get(app.id);
    if (!p) byApp.set(app.id, (p = postureOf(runtime, snap, app, rules)));
    return p;
  };
  return (ctx) => {
    const appId = ctx.principal?.application;
    if (!appId) return;
    const snap = opts.state.snapshot();
    const app = snap.apps.get(appId);
    if (!app) {
      if (opts.unregistered === 'deny') throw new RampartError('forbidden', { message: `Application "${appId}" is not in the application registry.` });
      return;
    }
    const reason = blockingReason(postureFor(snap, ctx.runtime, app));
    if (reason) throw new RampartError('forbidden', { message: reason });
    if (ctx.model) checkModel(app, ctx.model as GovernedModel, snap, rules);
  };
}

/** Per-call checks that depend on the model the call names (declared models were checked by posture already). */
function checkModel(app: Application, compiled: GovernedModel, snap: GovernanceSnapshot, rules: readonly BaselineRule[]): void {
  const entry = snap.catalog.get(compiled.name);
  const m = entry ? applyCatalog(new Map([[compiled.name, compiled]]), [entry]).get(compiled.name)! : compiled;
  const active = applicableRules(app, rules).filter((r) => r.mode === 'block');
  const has = (kind: string) => active.find((r) => r.require.some((c) => c.kind === kind));
  const clearance = has('modelCleared');
  if (clearance && !m.dataClassifications.includes(app.dataClassification)) {
    throw new RampartError('forbidden', {
      message: `Baseline rule "${clearance.id}": model "${m.name}" is not cleared for ${app.dataClassification} data (cleared: ${m.dataClassifications.join(', ')}).`,
    });
  }
  const training = has('trainingDataCleared');
  if (training && m.fineTuned && m.trainingDataClassification && classRank(m.trainingDataClassification) > classRank(app.dataClassification)) {
    throw new RampartError('forbidden', {
      message: `Baseline rule "${training.id}": model "${m.name}" carries ${m.trainingDataClassification} training data; application "${app.id}" is cleared for ${app.dataClassification}.`,
    });
  }
  if (app.allowedRegions && allowedDeployments(app, m).length === 0) {
    throw new RampartError('forbidden', {
      message: `Data residency: no deployment of model "${m.name}" runs in the regions application "${app.id}" allows (${app.allowedRegions.join(', ')}).`,
    });
  }
}

const governed = new WeakMap<GovernanceSnapshot, WeakMap<GovernedModel, GovernedModel>>();

/**
 * The model as the catalog governs it right now (stage, tier, classifications...), for the authorize step's model
 * lookup: `ctx.model = governModel(state.snapshot(), compiled)` before Cedar sees it. Catalog changes take effect on
 * the next request without recompiling the runtime; results are cached per (snapshot, compiled model).
 */
export function governModel(snap: GovernanceSnapshot, model: GovernedModel): GovernedModel {
  const entry = snap.catalog.get(model.name);
  if (!entry) return model;
  let bySnap = governed.get(snap);
  if (!bySnap) governed.set(snap, (bySnap = new WeakMap()));
  let g = bySnap.get(model);
  if (!g) bySnap.set(model, (g = applyCatalog(new Map([[model.name, model]]), [entry]).get(model.name)!));
  return g;
}
