import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { defaultConfig, loadConfigFile, type LoadedConfig } from '../config/load.js';
import { startGateway, type Gateway } from '../app.js';
import { createKey } from '../identity/apikeys.js';
import type { Store } from '../store/index.js';
import { flagString, parseArgs, UsageError } from './args.js';

/** The config named by --config or RAMPART_CONFIG; without one, the embedded defaults. */
export function loadFromArgs(configFlag: string | undefined): LoadedConfig {
  const file = configFlag ?? process.env.RAMPART_CONFIG;
  return file ? loadConfigFile(file) : defaultConfig();
}

export async function serveCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  const loaded = loadFromArgs(flagString(args, 'config'));
  const portFlag = flagString(args, 'port');
  const port = portFlag !== undefined ? Number(portFlag) : undefined;
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new UsageError(`--port: not a port number: ${portFlag}`);
  const gw = await startGateway({ loaded, port, host: flagString(args, 'host') });
  if (!loaded.file) await ensureDemoKey(gw.store, loaded);
  process.stdout.write(`rampart listening on ${gw.url}${loaded.file ? ` (config ${loaded.file})` : ' (embedded defaults: SQLite under ./data, demo provider)'}\n`);
  installSignals(gw);
  // Started: the young generation may grow with load again (held at its initial size during startup, see rampart.ts).
  setFlagsFromString('--semi-space-growth-factor=2');
  return new Promise<number>(() => { /* runs until a signal */ });
}

/**
 * First start on the embedded defaults: create one key so the quick start works, print it once
 * and keep it in ./data/demo-key.txt (mode 0600). Never when the store already has keys.
 */
async function ensureDemoKey(store: Store, loaded: LoadedConfig): Promise<void> {
  if ((await store.keys.list({ includeRevoked: true })).length > 0) return;
  const created = await createKey(store, { name: 'demo', roles: ['platform-admin'], owner: 'local' }, { id: 'rampart-serve', roles: [], scope: 'admin' });
  const dbPath = loaded.config.store.kind === 'sqlite' ? resolve(loaded.baseDir, loaded.config.store.path) : resolve('data/x');
  const file = resolve(dirname(dbPath), 'demo-key.txt');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${created.key}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  process.stdout.write(`created a demo API key (shown once; also saved to ${file}):\n  ${created.key}\n`);
}

function installSignals(gw: Gateway): void {
  let stopping = false;
  const stop = (sig: string) => {
    if (stopping) {
      process.stderr.write(`${sig} again: exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    process.stderr.write(`${sig}: draining in-flight requests...\n`);
    gw.close().then(
      () => process.exit(0),
      (err: unknown) => { process.stderr.write(`shutdown failed: ${String(err)}\n`); process.exit(1); },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

