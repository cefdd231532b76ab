import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from 'pino';
import { loadConfigFile } from './load.js';
import { Runtime, type RuntimeDeps, type RuntimeHolder } from './runtime.js';

export interface ReloaderOptions {
  file: string;
  holder: RuntimeHolder;
  deps: RuntimeDeps;
  logger: Logger;
  /** Extra checks a new config must pass before the swap (e.g. policies compile). */
  validate?: (next: Runtime) => void | Promise<void>;
  /** Called after a successful swap. */
  onSwap?: (next: Runtime) => void;
  debounceMs?: number;
}

export interface Reloader {
  /** Loads the file now; resolves true when the new config was swapped in. */
  reload(reason: string): Promise<boolean>;
  close(): void;
}

/**
 * Reload on SIGHUP and on file change. A new config is loaded, validated and compiled completely
 * before an atomic swap; if anything fails the last good config stays in force and the error is
 * logged with its field paths. In-flight requests finish on the runtime they started with.
 */
export function startReloader(opts: ReloaderOptions): Reloader {
  let chain: Promise<boolean> = Promise.resolve(true);
  let timer: NodeJS.Timeout | undefined;

  const reload = (reason: string): Promise<boolean> => {
    chain = chain.then(async () => {
      let next: Runtime | undefined;
      try {
        next = new Runtime(loadConfigFile(opts.file), opts.deps);
        await opts.validate?.(next);
        opts.holder.swap(next);
        opts.onSwap?.(next);
        opts.logger.info({ reason, file: opts.file }, 'config reloaded');
        return true;
      } catch (err) {
        if (next) void next.close();
        opts.logger.error({ reason, file: opts.file, error: err instanceof Error ? err.message : String(err) }, 'config reload refused; keeping the last good config');
        return false;
      }
    });
    return chain;
  };

  const onHup = () => void reload('SIGHUP');
  process.on('SIGHUP', onHup);

  // Watch the directory, not the file: editors replace files by rename, which ends a file watch.
  let watcher: FSWatcher | undefined;
  try {
    const name = basename(opts.file);
    watcher = watch(dirname(opts.file), (_event, changed) => {
      if (changed !== null && changed.toString() !== name) return;
      clearTimeout(timer);
      timer = setTimeout(() => void reload('file changed'), opts.debounceMs ?? 200);
    });
    watcher.unref();
  } catch (err) {
    opts.logger.warn({ err }, 'cannot watch the config file; reload with SIGHUP');
  }

  return {
    reload,
    close() {
      process.off('SIGHUP', onHup);
      clearTimeout(timer);
      watcher?.close();
    },
  };
}
