import { resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import type { LoadedConfig } from './config/load.js';
import { Runtime, RuntimeHolder, type RuntimeDeps } from './config/runtime.js';
import { startReloader, type Reloader } from './config/reload.js';
import type { Config } from './config/schema.js';
import { openStore, type Store } from './store/index.js';
import { storeConfig } from './config/store.js';
import { createIdentity } from './identity/config.js';
import { createAuthz } from './authz/config.js';
import { createRouteStage } from './routing/router.js';
import { openLimitStore, createLimitStage, createAlertSink } from './limits/index.js';
import { Metrics } from './metrics/metrics.js';
import { NetworkList } from './identity/network.js';
import { peerAddress, send, sendJson } from './server/http.js';
import { logRequestLine } from './records/request-log.js';
import { createRecorder } from './records/config.js';
import { registerRecorderMetrics, type Recorder } from './records/index.js';
import { startListener, type Listener } from './server/listener.js';
import { createHandler, guardrailOf, type Faces } from './server/handler.js';
import { createGuardStages, parseGuardrailRef, selectGuardrails, type GuardrailRef } from './guardrails/stages.js';
import { applyGuardrail, decodeApplyGuardrail } from './guardrails/apply.js';
import type { CompiledGuardrail, DetectorKit, KitClassifier } from './guardrails/compile.js';
import type { GuardrailsConfig } from './guardrails/config.js';
import { createDetectorKit } from './guardrails/detectors/kit.js';
import { CLASSIFIER_NAMES, loadClassifier, loadPiiTagger } from './guardrails/detectors/learned/index.js';
import { RampartError } from './errors.js';
import { createAdminRouter, coreAdminRoutes, startAdminListener } from './server/admin/index.js';
import { EmergencySwitch } from './identity/emergency.js';
import { GovernanceState, createPostureCheck, governModel } from './governance/enforce.js';
import { compileBaselines } from './governance/baselines.js';
import { allowedDeployments } from './governance/residency.js';
import { governanceRoutes as catalogRoutes } from './governance/routes.js';
import { auditVia } from './governance/audit.js';
import type { AuthorizeStage } from './pipeline/stages.js';
import { GuardrailRegistry, StoreGuardrailRepository } from './guardrails/registry.js';
import { loadMasterKey } from './identity/sigv4-keys.js';
import type { RequestContext } from './pipeline/context.js';
import type { CompiledModel } from './config/compile.js';
import type { Stages } from './pipeline/stages.js';
import { openaiFace, encodeModel, encodeModelList, type ModelInfo } from './server/faces/openai/index.js';
import { anthropicFace, encodeAnthropicModel, encodeAnthropicModelList } from './server/faces/anthropic/index.js';
import { bedrockFace } from './server/faces/bedrock/index.js';

export interface GatewayOptions {
  loaded: LoadedConfig;
  logger?: Logger;
  /** Overrides config.server.port / host (the CLI's --port / --host). */
  port?: number;
  host?: string;
  /** Reload on SIGHUP and file change (only for a config file). Default true. */
  watch?: boolean;
}

export interface Gateway {
  readonly url: string;
  readonly port: number;
  readonly store: Store;
  readonly holder: RuntimeHolder;
  readonly recorder: Recorder;
  readonly reloader?: Reloader;
  /** Graceful: stop accepting, drain in-flight requests and streams, flush records, close. */
  close(): Promise<void>;
}

export function createLogger(level: Config['log']['level']): Logger {
  return pino({
    level,
    base: { service: 'rampart' },
    // Belt and braces: nothing on the request path logs headers or credentials, but if a future
    // log call does, these never reach the output.
    redact: { paths: ['*.authorization', '*.headers.authorization', '*["x-api-key"]', '*.apiKey', '*.secretAccessKey', '*.key', '*.token'], censor: '[redacted]' },
  });
}

function modelInfo(m: CompiledModel): ModelInfo {
  return { id: m.name, ownedBy: 'rampart', displayName: m.name };
}

export const faces: Faces = {
  openai: openaiFace,
  anthropic: anthropicFace,
  bedrock: bedrockFace,
  models: {
    list: (ms, format, requestId) => (format === 'anthropic' ? encodeAnthropicModelList : encodeModelList)(ms.map(modelInfo), requestId),
    one: (m, format, requestId) => (format === 'anthropic' ? encodeAnthropicModel : encodeModel)(modelInfo(m), requestId),
  },
};

let kit: DetectorKit | undefined;
let tagger: ReturnType<typeof loadPiiTagger> | undefined;
/**
 * The real detectors and the trained models, once per process (reloads reuse them). A model loads
 * when a guardrail first uses it, so a gateway that runs no guardrail never holds them (~6 MB);
 * `loadModels` loads and verifies them all up front.
 */
export function realDetectorKit(): DetectorKit {
  kit ??= createDetectorKit({
    piiTagger: (text) => (tagger ??= loadPiiTagger())(text),
    classifier: (name): KitClassifier => {
      let model: ReturnType<typeof loadClassifier> | undefined;
      const get = () => (model ??= loadClassifier(name));
      return { name, score: (text) => get().score(text), confidence: (score) => get().confidence(score) };
    },
  });
  return kit;
}

/** Loads every trained model now (each is read and verified once per process); throws on a bad file. */
export function loadModels(): void {
  loadPiiTagger();
  for (const name of CLASSIFIER_NAMES) loadClassifier(name);
}

/** Whether the operator runs any guardrail: then the models load at start, not on the first request. */
function guardrailsInUse(cfg: GuardrailsConfig): boolean {
  const a = cfg.attach;
  return cfg.definitions.length > 0 || a.all.length > 0 || [a.roles, a.applications, a.teams, a.keys].some((m) => Object.values(m).some((l) => l.length > 0));
}

const selected = new WeakMap<RequestContext, CompiledGuardrail[]>();
/** A guardrail the client asked for that only the admin API defines, looked up before authorization. */
const fromRegistry = new WeakMap<RequestContext, CompiledGuardrail>();

/** The guardrail a client asked for (`x-rampart-guardrail: id[:version]` or Bedrock's guardrailConfig). */
function requestedGuardrail(ctx: RequestContext): GuardrailRef | undefined {
  const header = ctx.headers['x-rampart-guardrail'];
  if (typeof header === 'string') return parseGuardrailRef(header);
  if (ctx.chat?.guardrail) return parseGuardrailRef(`${ctx.chat.guardrail.id}${ctx.chat.guardrail.version ? `:${ctx.chat.guardrail.version}` : ''}`, 'guardrailConfig');
  return undefined;
}

/**
 * Looks up, in the store, a guardrail the client asked for that the config does not define (one created
 * through the admin API). Undefined when there is nothing to look up, so the common path stays synchronous.
 */
function lookUpRequested(ctx: RequestContext, registry: GuardrailRegistry): Promise<void> | undefined {
  const r = requestedGuardrail(ctx);
  if (!r || ctx.runtime.guardrails.get(r)) return undefined;
  return registry.resolve(r.id, r.version).then((g) => {
    if (g) fromRegistry.set(ctx, g);
  });
}

/**
 * The guardrails of one request: every operator attachment for its principal, plus at most one the
 * client asked for. Unknown references fail the request.
 */
export function guardrailsOf(ctx: RequestContext): CompiledGuardrail[] {
  return guardrailsFor(ctx, undefined);
}

/** As guardrailsOf, plus the guardrails the application registry attaches to the caller's application. */
export function guardrailsFor(ctx: RequestContext, appGuardrails: readonly string[] | undefined): CompiledGuardrail[] {
  const hit = selected.get(ctx);
  if (hit) return hit;
  const set = ctx.runtime.guardrails;
  const requested = requestedGuardrail(ctx);
  const attached = appGuardrails ? [...set.attachedFor(ctx.principal), ...appGuardrails] : set.attachedFor(ctx.principal);
  const out = selectGuardrails({ attached, requested }).map((r) => {
    const isRequested = requested !== undefined && r.id === requested.id && r.version === requested.version;
    const g = set.get(r) ?? (isRequested ? fromRegistry.get(ctx) : undefined);
    if (!g) throw new RampartError('bad_request', { message: `Unknown guardrail '${r.id}' version '${r.version}'.`, param: isRequested ? 'guardrail' : undefined });
    return g;
  });
  selected.set(ctx, out);
  return out;
}

/** The composition root: config -> runtime, store, stages, handler, listener. */
export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const { config, baseDir } = opts.loaded;
  const logger = opts.logger ?? createLogger(config.log.level);
  const deps: RuntimeDeps = { kit: realDetectorKit() };
  if (guardrailsInUse(config.guardrails)) loadModels();
  const holder = new RuntimeHolder(new Runtime(opts.loaded, deps));
  const store = await openStore(storeConfig(config.store, baseDir));
  // API-created guardrails live in the store, shared by every instance on it; config ones are read-only.
  const repository = new StoreGuardrailRepository(store.guardrails);
  const guardrailRegistry = new GuardrailRegistry(repository, deps.kit, { changes: store.changes });

  const identity = createIdentity(config.identity, { store });
  const authz = createAuthz(config.authz, { baseDir, store });
  const { recorder, trustedKeys } = await createRecorder(config.records, { baseDir, store, storeConfig: storeConfig(config.store, baseDir), logger });
  // Limit counters and deployment health outlive config reloads: created once, fed the current config per request.
  const limitStore = await openLimitStore(config.limits.store, { logger });
  const metrics = new Metrics();
  registerRecorderMetrics(metrics.registry, recorder);
  const route = createRouteStage({ routing: (ctx) => ctx.runtime.config.routing, hooks: metrics.routerHooks });
  const guard = createGuardStages({ resolve: (ctx) => appGuardrailsOf(ctx) });
  /** Operator attachments plus the guardrails the application registry lists for the caller's application. */
  function appGuardrailsOf(ctx: RequestContext): CompiledGuardrail[] {
    const app = ctx.principal?.application;
    return guardrailsFor(ctx, app ? governance.snapshot().apps.get(app)?.guardrails : undefined);
  }
  const emergency = new EmergencySwitch({ store, onError: (m, err) => logger.error({ err }, m) });
  await emergency.start();
  const governance = await GovernanceState.open(store, (err) => logger.error({ err }, 'governance refresh failed'));
  const baselines = compileBaselines(config.governance.baselines);
  const posture = createPostureCheck({ state: governance, rules: baselines, unregistered: config.governance.unregisteredApplications });
  const cedar = authz.stage({
    guardrailsFor: (ctx) => appGuardrailsOf(ctx).map((g) => g.id),
    guardrailIdOf: (ctx) => guardrailOf.get(ctx),
    govern: (m) => governModel(governance.snapshot(), m),
  });
  /**
   * The authorize slot: Cedar on the governed model, then the emergency switch, the application's
   * posture (block-mode baselines) and its data residency (deployments outside its regions are
   * dropped, fallbacks included). A guardrail the client asked for that only the admin API defines
   * is looked up in the store first: Cedar sees the guardrails that will run.
   */
  const authorize: AuthorizeStage = {
    name: 'authorize',
    run(ctx) {
      const lookup = lookUpRequested(ctx, guardrailRegistry);
      if (lookup) return lookup.then(() => authorizeNow(ctx));
      authorizeNow(ctx);
    },
  };
  function authorizeNow(ctx: RequestContext): void {
    cedar.run(ctx);
    emergency.check(ctx);
    posture(ctx);
    const app = ctx.principal?.application ? governance.snapshot().apps.get(ctx.principal.application) : undefined;
    if (app?.allowedRegions && ctx.model) ctx.model = { ...ctx.model, deployments: allowedDeployments(app, ctx.model) };
  }
  const stages: Stages = {
    authenticate: identity.stage,
    authorize,
    guardInput: guard.guardInput,
    guardOutput: guard.guardOutput,
    limit: createLimitStage({
      limits: (ctx) => ctx.runtime.limits,
      store: limitStore,
      alerts: createAlertSink(config.limits.alerts, logger),
      onLimitHit: metrics.limitHit,
    }),
    route,
    record: {
      name: 'record',
      record(ctx) {
        recorder.record(ctx);
        metrics.observeRequest(ctx);
        if (config.log.requests) logRequestLine(logger, ctx);
      },
    },
  };
  const metricsFrom = new NetworkList(config.metrics.allowedNetworks);
  const admin = createAdminRouter({
    holder, logger, emergency,
    authenticate: identity.stage,
    authorizer: authz.authorizer,
    clientIp: (p, x) => identity.network.clientIp(p, x),
    audit: (e) => recorder.audit(e),
    bodyLimitBytes: config.admin?.bodyLimitBytes,
    routes: coreAdminRoutes({
      store, emergency,
      authorizer: () => authz.authorizer,
      reloadPolicies: () => authz.reload(),
      sigv4MasterKey: config.identity.sigv4 ? loadMasterKey() : undefined,
      guardrails: { registry: guardrailRegistry, repository },
      trustedKeys,
      eraseSubject: (subject, by) => recorder.eraseSubject(subject, by),
    }).concat(catalogRoutes({
      store,
      audit: auditVia((e) => recorder.audit(e)),
      runtime: () => holder.current,
      approvers: config.governance.approvers,
      rules: baselines,
    })),
  });

  let closing = false;
  const handler = createHandler({
    holder,
    stages,
    faces,
    logger,
    clientIp: (peer, xff) => identity.network.clientIp(peer, xff),
    durable: recorder,
    applyGuardrail: async (ctx, body, ref) => {
      const g = ctx.runtime.guardrails.get(ref) ?? (await guardrailRegistry.resolve(ref.id, ref.version));
      if (!g) throw new RampartError('not_found', { message: `No guardrail ${ref.id} with version ${ref.version}.` });
      return applyGuardrail(g, decodeApplyGuardrail(body, ref));
    },
    // Only what the caller may invoke, with the catalog's current stage and tier (retired: nobody).
    visibleModels: (ctx, models) => {
      if (!ctx.principal) return [];
      const snap = governance.snapshot();
      const governed = models.map((m) => governModel(snap, m)).filter((m) => m.stage !== 'retired');
      return authz.authorizer.allowedModels(ctx.principal, governed, { sourceIp: ctx.sourceIp });
    },
    closing: () => closing,
    ready: () => {
      const r = route.readiness(holder.current.models.values());
      const rec = recorder.stats();
      return {
        ok: r.ok && rec.healthy,
        detail: { breakers: r.breakers, unavailableModels: r.unavailableModels, records: { healthy: rec.healthy, queued: rec.queued, dropped: rec.dropped } },
      };
    },
    extraRoutes: [
      ...(config.admin ? [] : [admin.extraRoute]),
      (req, res, { requestId, path }) => {
        if (path !== '/metrics' || req.method !== 'GET') return false;
        const peer = peerAddress(req);
        if (!config.metrics.enabled || !metricsFrom.contains(peer)) {
          sendJson(res, 404, { error: { message: 'Not found.', type: 'not_found_error' } }, { 'x-request-id': requestId });
          return true;
        }
        const h = metrics.handler();
        h.body().then(
          (body) => send(res, 200, { 'content-type': h.contentType, 'x-request-id': requestId }, body),
          (err: unknown) => { logger.error({ err }, 'metrics failed'); sendJson(res, 500, { error: { message: 'metrics failed' } }); },
        );
        return true;
      },
    ],
  });

  const server = config.server;
  const listener: Listener = await startListener({
    host: opts.host ?? server.host,
    port: opts.port ?? server.port,
    tls: server.tls
      ? {
        certFile: resolve(baseDir, server.tls.certFile),
        keyFile: resolve(baseDir, server.tls.keyFile),
        clientCaFile: server.tls.clientCaFile ? resolve(baseDir, server.tls.clientCaFile) : undefined,
        requireClientCert: server.tls.requireClientCert,
      }
      : undefined,
    headersTimeoutMs: server.headersTimeoutMs,
    requestTimeoutMs: server.requestTimeoutMs,
    keepAliveTimeoutMs: server.keepAliveTimeoutMs,
  }, handler);

  const adminListener = config.admin
    ? await startAdminListener(config.admin, admin.handler, { headersTimeoutMs: server.headersTimeoutMs, requestTimeoutMs: server.requestTimeoutMs, keepAliveTimeoutMs: server.keepAliveTimeoutMs })
    : undefined;

  const reloader = opts.loaded.file && opts.watch !== false
    ? startReloader({
      file: opts.loaded.file, holder, logger, deps,
      // Policies are re-read with the config; a bad policy set keeps the last good one.
      onSwap: () => {
        const r = authz.reload();
        if (!r.ok) logger.error({ problems: r.problems }, 'policy reload refused; keeping the last good policies');
        // A config that now attaches guardrails loads the models here rather than on its first request.
        if (guardrailsInUse(holder.current.config.guardrails)) {
          try {
            loadModels();
          } catch (err) {
            logger.error({ err }, 'loading the trained models failed; requests through a guardrail that needs them are refused');
          }
        }
      },
    })
    : undefined;

  const addr = listener.address();
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `${server.tls ? 'https' : 'http'}://${host}:${addr.port}`,
    port: addr.port,
    store,
    holder,
    recorder,
    reloader,
    async close() {
      if (closing) return;
      closing = true;
      reloader?.close();
      await Promise.all([listener.close(holder.current.config.server.shutdownGraceMs), adminListener?.close(holder.current.config.server.shutdownGraceMs)]);
      emergency.close();
      governance.close();
      await recorder.close();
      await identity.close();
      authz.close();
      await limitStore.close();
      await store.close();
      await holder.current.close();
    },
  };
}
