import { openStore } from '../store/index.js';
import { storeConfig } from '../config/store.js';
import { loadFromArgs } from './serve.js';
import { keysCommand } from './keys.js';

/** `rampart keys ...` against the store of the config (or the embedded default store). */
export async function keysMain(argv: string[]): Promise<number> {
  let configFlag: string | undefined;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--config') configFlag = argv[++i];
    else if (argv[i].startsWith('--config=')) configFlag = argv[i].slice('--config='.length);
    else rest.push(argv[i]);
  }
  const loaded = loadFromArgs(configFlag);
  const store = await openStore(storeConfig(loaded.config.store, loaded.baseDir));
  try {
    return await keysCommand(rest, { store });
  } finally {
    await store.close();
  }
}
