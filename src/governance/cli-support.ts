/** What the governance commands share: the configured store and runtime, the CLI actor, a progress bar. */
import type { LoadedConfig } from '../config/load.js';
import type { Runtime } from '../config/runtime.js';
import type { Store } from '../store/types.js';
import { appendAdminEvent } from '../records/retention.js';
import { auditVia, type AuditFn } from './audit.js';
import { withConfiguredStore } from '../cli/with-store.js';

export interface GovernanceCliDeps {
  store: Store;
  loaded: LoadedConfig;
  out?: (s: string) => void;
  err?: (s: string) => void;
  now?: () => Date;
  /** Progress output goes here when it is a terminal (default process.stderr). */
  tty?: { isTTY?: boolean; write(s: string): unknown; columns?: number };
}

/** Opens the store of --config (or RAMPART_CONFIG, or the embedded defaults) around fn. */
export function withGovernance(argv: string[], fn: (rest: string[], deps: GovernanceCliDeps) => Promise<number>): Promise<number> {
  return withConfiguredStore(argv, (rest, store, loaded) => fn(rest, { store, loaded }));
}

/** The compiled config (guardrails with the real detectors), for posture and the OWASP map. */
export async function compileRuntime(loaded: LoadedConfig): Promise<Runtime> {
  const { Runtime } = await import('../config/runtime.js');
  const { realDetectorKit } = await import('../app.js');
  return new Runtime(loaded, { kit: realDetectorKit() });
}

/** CLI changes go into the admin audit chain directly (the CLI has the store, not a gateway's recorder). */
export function cliAudit(store: Store): AuditFn {
  return auditVia((input) => appendAdminEvent(store.records, { ...input, userAgent: 'rampart-cli' }));
}

/** A one-line progress bar redrawn in place; nothing at all when the stream is not a terminal. */
export function progressBar(tty: GovernanceCliDeps['tty'] = process.stderr): { update(fraction: number, label: string): void; done(): void } {
  if (!tty?.isTTY) return { update() {}, done() {} };
  let last = '';
  return {
    update(fraction, label) {
      const width = 30;
      const f = Math.min(1, Math.max(0, fraction));
      const filled = Math.round(f * width);
      const line = `\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(f * 100)).padStart(3)}% ${label}`.slice(0, (tty.columns ?? 80) - 1);
      if (line !== last) tty.write(line.padEnd(last.length));
      last = line;
    },
    done() {
      if (last) tty.write('\r' + ' '.repeat(last.length) + '\r');
    },
  };
}
