/**
 * An in-process gateway with the admin API wired the way src/app.ts should wire it: the real
 * authenticate stage, Cedar authorizer, records Recorder (audit into the SQLite store), emergency
 * switch around the authorize stage, the demo provider, and the admin router either as an extra
 * route of the data-plane handler or on a listener of its own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { parseConfigText } from '../../config/load.js';
import { Runtime, RuntimeHolder } from '../../config/runtime.js';
import { openStore, type Store } from '../../store/index.js';
import { createIdentity } from '../../identity/config.js';
import { createAuthz } from '../../authz/config.js';
import { createRouteStage } from '../../routing/router.js';
import { createHandler } from '../../server/handler.js';
import { startListener, type Listener } from '../../server/listener.js';
import { faces } from '../../app.js';
import { standInKit } from '../../guardrails/testkit.js';
import { GuardrailRegistry, MemoryGuardrailRepository } from '../../guardrails/registry.js';
import { Recorder, storeSink, generateSigningKey, signerFromPem, TrustedKeys } from '../../records/index.js';
import { EmergencySwitch, withEmergencySwitch } from '../../identity/emergency.js';
import { parseMasterKey } from '../../identity/sigv4-keys.js';
import { createKey } from '../../identity/apikeys.js';
import { createAdminRouter, coreAdminRoutes, startAdminListener } from './index.js';
import type { Stages } from '../../pipeline/stages.js';

export interface AdminGateway {
  url: string;
  adminUrl: string;
  store: Store;
  recorder: Recorder;
  emergency: EmergencySwitch;
  dir: string;
  /** Mints a key straight in the store (bootstrap, as `rampart keys create` would). */
  mint(roles: string[], application?: string): Promise<string>;
  close(): Promise<void>;
}

export async function startAdminGateway(opts: { separateAdminListener?: boolean } = {}): Promise<AdminGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-admin-e2e-'));
  const env = { RAMPART_SECRET_KEY: randomBytes(32).toString('hex') };
  const yaml = `
server: { host: 127.0.0.1, port: 0, bodyLimitBytes: 65536 }
store: { kind: sqlite, path: ${join(dir, 'rampart.db')} }
log: { level: silent }
identity: { sigv4: {} }
providers: [{ name: demo, kind: demo }]
models:
  - { name: m-demo, deployments: [{ provider: demo, model: demo-1 }] }
  - { name: m-other, deployments: [{ provider: demo, model: demo-2 }] }
guardrails:
  definitions:
    - { id: cfg-guard, name: cfg-guard, blockedInputMessaging: blocked, blockedOutputsMessaging: blocked }
  attach: { all: [] }
`;
  const config = parseConfigText(yaml, join(dir, 'rampart.yaml'), {});
  const loaded = { config, baseDir: dir };
  const logger = pino({ level: 'silent' });
  const kit = standInKit();
  const holder = new RuntimeHolder(new Runtime(loaded, { kit }));
  const store = await openStore({ kind: 'sqlite', path: join(dir, 'rampart.db'), pollIntervalMs: 50 });
  const identity = createIdentity(config.identity, { store, env });
  const authz = createAuthz(config.authz, { baseDir: dir, store });
  const emergency = new EmergencySwitch({ store });
  await emergency.start();
  const signing = generateSigningKey();
  const trustedKeys = new TrustedKeys();
  trustedKeys.add(signing.publicKeyPem);
  const recorder = await Recorder.create({
    spoolDir: join(dir, 'spool'), store: store.records, changes: store.changes, sinks: [storeSink(store.records)], sync: false,
    digest: { signer: signerFromPem(signing.privateKeyPem), intervalMs: 3_600_000, store: store.records },
  });
  const stages: Stages = {
    authenticate: identity.stage,
    authorize: withEmergencySwitch(authz.stage(), emergency),
    route: createRouteStage({ routing: (ctx) => ctx.runtime.config.routing }),
    record: recorder,
  };
  const repository = new MemoryGuardrailRepository();
  const admin = createAdminRouter({
    routes: coreAdminRoutes({
      store,
      sigv4MasterKey: parseMasterKey(env.RAMPART_SECRET_KEY),
      guardrails: { registry: new GuardrailRegistry(repository, kit), repository },
      authorizer: () => authz.authorizer,
      reloadPolicies: () => authz.reload(),
      emergency,
      trustedKeys,
      eraseSubject: (subject, by) => recorder.eraseSubject(subject, by),
    }),
    holder,
    authenticate: identity.stage,
    authorizer: authz.authorizer,
    audit: (e) => recorder.audit(e),
    clientIp: (peer, xff) => identity.network.clientIp(peer, xff),
    logger,
    emergency,
  });
  const handler = createHandler({
    holder, stages, faces, logger,
    clientIp: (peer, xff) => identity.network.clientIp(peer, xff),
    closing: () => false,
    ready: () => ({ ok: true, detail: {} }),
    visibleModels: (ctx, models) => (ctx.principal ? authz.authorizer.allowedModels(ctx.principal, models, { sourceIp: ctx.sourceIp }) : []),
    extraRoutes: opts.separateAdminListener ? [] : [admin.extraRoute],
  });
  const timeouts = { headersTimeoutMs: 5000, requestTimeoutMs: 10_000, keepAliveTimeoutMs: 1000 };
  const listener: Listener = await startListener({ host: '127.0.0.1', port: 0, ...timeouts }, handler);
  const adminListener = opts.separateAdminListener ? await startAdminListener({ host: '127.0.0.1', port: 0 }, admin.handler, timeouts) : undefined;
  const url = `http://127.0.0.1:${listener.address().port}`;
  return {
    url,
    adminUrl: adminListener ? `http://127.0.0.1:${adminListener.address().port}` : url,
    store, recorder, emergency, dir,
    async mint(roles, application) {
      const { key } = await createKey(store, { name: `test-${roles.join('-')}`, roles, application }, { id: 'test', roles: [], scope: 'admin' });
      return key;
    },
    async close() {
      await listener.close(1000);
      await adminListener?.close(1000);
      emergency.close();
      await recorder.close();
      await identity.close();
      authz.close();
      await store.close();
      await holder.current.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
