import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../store/index.js';
import type { Store } from '../store/types.js';

/** A real SQLite store in a temp directory, for the identity tests. */
export async function tempStore(): Promise<{ store: Store; path: string; cleanup: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-identity-'));
  const path = join(dir, 'rampart.db');
  const store = await openStore({ kind: 'sqlite', path, pollIntervalMs: 50 });
  return {
    store,
    path,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
