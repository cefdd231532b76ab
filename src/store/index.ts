/**
 * Opens the configured store. By default pending migrations are applied while opening (safe from several
 * instances at once); pass autoMigrate: false to open without touching the schema.
 *
 *   const store = await openStore(cfg.store);       // { kind: 'sqlite', path } | { kind: 'postgres', url }
 *   store.changes.subscribe((topic) => ...);         // 'keys', 'policies', ... or RESYNC_TOPIC
 *   await store.close();
 */
import { openSqliteStore } from './sqlite/store.js';
import type { Store, StoreConfig } from './types.js';

export * from './types.js';

export async function openStore(cfg: StoreConfig): Promise<Store> {
  switch (cfg.kind) {
    case 'sqlite':
      return openSqliteStore(cfg);
    case 'postgres':
      // Loaded only when configured: the embedded default never needs the PostgreSQL client.
      return (await import('./postgres/store.js')).openPostgresStore(cfg);
    default: {
      const never: never = cfg;
      throw new Error(`store: unknown kind ${(never as { kind: string }).kind}`);
    }
  }
}
