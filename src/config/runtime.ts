import type { Config } from './schema.js';
import type { LoadedConfig } from './load.js';
import { compileModels, type CompiledModel } from './compile.js';
import type { Provider } from '../providers/types.js';
import { createProvider } from '../providers/index.js';
import { checkPrices, compileLimits, type CompiledLimits } from '../limits/compile.js';
import { ConfigError } from './load.js';
import { GuardrailSet } from '../guardrails/config.js';
import { GuardrailConfigError } from '../guardrails/schema.js';
import type { DetectorKit } from '../guardrails/compile.js';

/** What compiling a config needs besides the config: shared, loaded once per process. */
export interface RuntimeDeps {
  kit: DetectorKit;
}

/**
 * The compiled form of one config: what the hot path reads. A reload compiles a new Runtime and
 * swaps it in atomically; requests hold the Runtime they started with, and the old one's
 * upstream pools close only when its last request has finished.
 */
export class Runtime {
  readonly config: Config;
  readonly file?: string;
  readonly baseDir: string;
  readonly models: ReadonlyMap<string, CompiledModel>;
  readonly providers: ReadonlyMap<string, Provider>;
  readonly limits: CompiledLimits;
  readonly guardrails: GuardrailSet;
  private active = 0;
  private retired = false;
  private closed?: Promise<void>;

  constructor(loaded: LoadedConfig, deps: RuntimeDeps) {
    this.config = loaded.config;
    this.file = loaded.file;
    this.baseDir = loaded.baseDir;
    this.models = compileModels(loaded.config);
    this.limits = compileLimits(loaded.config.limits);
    // A budgeted model without a price would be refused on every request: refuse the config instead.
    const priceProblems = checkPrices(this.limits, this.models.values());
    if (priceProblems.length > 0) throw new ConfigError(loaded.file ?? '(embedded defaults)', priceProblems);
    try {
      this.guardrails = new GuardrailSet(loaded.config.guardrails, deps.kit);
    } catch (err) {
      if (err instanceof GuardrailConfigError) throw new ConfigError(loaded.file ?? '(embedded defaults)', err.issues.map((i) => `${i.path}: ${i.message}`));
      throw err;
    }
    const providers = new Map<string, Provider>();
    try {
      for (const p of loaded.config.providers) providers.set(p.name, createProvider(p));
    } catch (err) {
      for (const p of providers.values()) void p.close();
      throw err;
    }
    this.providers = providers;
  }

  /** Marks one request as using this runtime; call the returned function when it is done. */
  acquire(): () => void {
    this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      if (this.retired && this.active === 0) void this.close();
    };
  }

  /** Called on swap: closes once the in-flight requests are done. */
  retire(): void {
    this.retired = true;
    if (this.active === 0) void this.close();
  }

  close(): Promise<void> {
    this.closed ??= Promise.allSettled([...this.providers.values()].map((p) => p.close())).then(() => undefined);
    return this.closed;
  }
}

export class RuntimeHolder {
  private rt: Runtime;
  constructor(initial: Runtime) { this.rt = initial; }
  get current(): Runtime { return this.rt; }
  swap(next: Runtime): void {
    const old = this.rt;
    this.rt = next;
    old.retire();
  }
}
