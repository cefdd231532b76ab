import { resolve } from 'node:path';
import type { Config } from './schema.js';
import type { StoreConfig } from '../store/types.js';

/** The store config with a relative SQLite path resolved against the config file's directory. */
export function storeConfig(cfg: Config['store'], baseDir: string): StoreConfig {
  return cfg.kind === 'sqlite' ? { kind: 'sqlite', path: resolve(baseDir, cfg.path) } : { kind: 'postgres', url: cfg.url, maxConnections: cfg.maxConnections };
}
