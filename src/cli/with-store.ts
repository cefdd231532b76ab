import type { Store } from '../store/types.js';
import type { LoadedConfig } from '../config/load.js';

/**
 * Runs a command against the store of the config (--config FILE, RAMPART_CONFIG, or the embedded
 * defaults' SQLite file), with `--config` taken out of the arguments the command sees.
 */
export async function withConfiguredStore(argv: string[], fn: (rest: string[], store: Store, loaded: LoadedConfig) => Promise<number>): Promise<number> {
  let configFlag: string | undefined;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--config') configFlag = argv[++i];
    else if (argv[i].startsWith('--config=')) configFlag = argv[i].slice('--config='.length);
    else rest.push(argv[i]);
  }
  // Loaded lazily: command logic needs none of the gateway.
  const { loadFromArgs } = await import('./serve.js');
  const { storeConfig } = await import('../config/store.js');
  const { openStore } = await import('../store/index.js');
  const loaded = loadFromArgs(configFlag);
  const store = await openStore(storeConfig(loaded.config.store, loaded.baseDir));
  try {
    return await fn(rest, store, loaded);
  } finally {
    await store.close();
  }
}
