import { resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import type { LoadedConfig } from './config/load.js';
import { Runtime, RuntimeHolder } from './config/runtime.js';
import { startReloader, type Reloader } from './config/reload.js';
import type { Config } from './config/schema.js';
import { openStore, type Store } from './store/index.js';
import { storeConfig } from './config/store.js';
import { createIdentity } from './identity/config.js';
import { createAuthz } from './authz/config.js';
import { createRouteStage } from './routing/router.js';
import { createRequestLog, type RequestLog } from './records/request-log.js';
import { startListener, type Listener } from './server/listener.js';
import { createHandler, type Faces } from './server/handler.js';
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
  readonly requestLog: RequestLog;
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

/** The composition root: config -> runtime, store, stages, handler, listener. */
export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const { config, baseDir } = opts.loaded;
  const logger = opts.logger ?? createLogger(config.log.level);
  const holder = new RuntimeHolder(new Runtime(opts.loaded));
  const store = await openStore(storeConfig(config.store, baseDir));

  const identity = createIdentity(config.identity, { store });
  const authz = createAuthz(config.authz, { baseDir, store });
  const requestLog = createRequestLog({ store, logger, logLines: config.log.requests });
  const stages: Stages = {
    authenticate: identity.stage,
    authorize: authz.stage(),
    route: createRouteStage(),
    record: requestLog,
  };

  let closing = false;
  const handler = createHandler({
    holder,
    stages,
    faces,
    logger,
    clientIp: (peer, xff) => identity.network.clientIp(peer, xff),
    visibleModels: (ctx, models) => (ctx.principal
      ? authz.authorizer.allowedModels(ctx.principal, models, { sourceIp: ctx.sourceIp })
      : []),
    closing: () => closing,
    ready: () => ({ ok: true, detail: { requestLogDropped: requestLog.dropped, requestLogQueued: requestLog.queued } }),
  });

  const server = config.server;
  const listener: Listener = await startListener({
    host: opts.host ?? server.host,
    port: opts.port ?? server.port,
    tls: server.tls ? { certFile: resolve(baseDir, server.tls.certFile), keyFile: resolve(baseDir, server.tls.keyFile) } : undefined,
    headersTimeoutMs: server.headersTimeoutMs,
    requestTimeoutMs: server.requestTimeoutMs,
    keepAliveTimeoutMs: server.keepAliveTimeoutMs,
  }, handler);

  const reloader = opts.loaded.file && opts.watch !== false
    ? startReloader({
      file: opts.loaded.file, holder, logger,
      // Policies are re-read with the config; a bad policy set keeps the last good one.
      onSwap: () => {
        const r = authz.reload();
        if (!r.ok) logger.error({ problems: r.problems }, 'policy reload refused; keeping the last good policies');
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
    requestLog,
    reloader,
    async close() {
      if (closing) return;
      closing = true;
      reloader?.close();
      await listener.close(holder.current.config.server.shutdownGraceMs);
      await requestLog.flush();
      await identity.close();
      authz.close();
      await store.close();
      await holder.current.close();
    },
  };
}
