import { RampartError } from '../errors.js';
import type { RequestContext } from '../pipeline/context.js';
import type { AuthorizeStage } from '../pipeline/stages.js';
import { RESYNC_TOPIC, type Store } from '../store/types.js';

/**
 * The emergency switch: disable one key, one application, one model or all model traffic at once,
 * on every instance. The state is one JSON document in the store's kv (so a restarted instance
 * starts blocked) and every change is announced on the 'emergency' topic, on which each instance
 * re-reads it (PostgreSQL: LISTEN/NOTIFY; SQLite: within its poll interval). `check` is a few Set
 * lookups, cheap enough for every request.
 *
 * Fail closed: a state document that cannot be read or parsed blocks all traffic until an
 * administrator writes a good one (lifting `all` rewrites the document).
 */

export const EMERGENCY_KV_KEY = 'emergency';
export const EMERGENCY_TOPIC = 'emergency';
const LOCK = 'emergency-switch';

export type EmergencyTarget = 'key' | 'application' | 'model' | 'all';

export interface EmergencyBlock {
  target: EmergencyTarget;
  /** The key id (or principal id), application id or model name; absent for `all`. */
  id?: string;
  reason?: string;
  /** Principal id of whoever pulled the switch. */
  by?: string;
  at: string; // ISO
}

interface Snapshot {
  all?: EmergencyBlock;
  keys: Map<string, EmergencyBlock>;
  applications: Map<string, EmergencyBlock>;
  models: Map<string, EmergencyBlock>;
}

const EMPTY: Snapshot = { keys: new Map(), applications: new Map(), models: new Map() };

export interface EmergencySwitchOptions {
  store: Store;
  onError?: (message: string, err?: unknown) => void;
}

export class EmergencySwitch {
  private snap: Snapshot = EMPTY;
  private active = false;
  private unsubscribe?: () => void;
  private loading: Promise<void> = Promise.resolve();

  constructor(private readonly opts: EmergencySwitchOptions) {}

  /** Loads the persisted state and follows changes from every instance. */
  async start(): Promise<void> {
    this.unsubscribe ??= this.opts.store.changes.subscribe((topic) => {
      if (topic === EMERGENCY_TOPIC || topic === RESYNC_TOPIC) void this.reload();
    });
    await this.reload();
  }

  close(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** Re-reads the state; concurrent calls are serialised so an older read never wins. */
  reload(): Promise<void> {
    this.loading = this.loading.then(async () => {
      let raw: string | undefined;
      try {
        raw = await this.opts.store.kv.get(EMERGENCY_KV_KEY);
      } catch (err) {
        // Keep the last state: a store hiccup must not lift a block (nor invent one).
        this.opts.onError?.('emergency switch: reading the state failed; keeping the last state', err);
        return;
      }
      this.install(raw);
    });
    return this.loading;
  }

  private install(raw: string | undefined): void {
    if (raw === undefined) {
      this.snap = EMPTY;
      this.active = false;
      return;
    }
    const blocks = parseBlocks(raw);
    if (!blocks) {
      this.opts.onError?.('emergency switch: the stored state is unreadable; blocking all traffic until it is rewritten');
      this.snap = { ...EMPTY, all: { target: 'all', reason: 'emergency switch state unreadable', at: new Date().toISOString() } };
      this.active = true;
      return;
    }
    const s: Snapshot = { keys: new Map(), applications: new Map(), models: new Map() };
    for (const b of blocks) {
      if (b.target === 'all') s.all = b;
      else if (b.id !== undefined) (b.target === 'key' ? s.keys : b.target === 'application' ? s.applications : s.models).set(b.id, b);
    }
    this.snap = s;
    this.active = blocks.length > 0;
  }

  /** The blocks in force on this instance. */
  list(): EmergencyBlock[] {
    const s = this.snap;
    return [...(s.all ? [s.all] : []), ...s.keys.values(), ...s.applications.values(), ...s.models.values()];
  }

  /**
   * Throws when the request is blocked: `upstream_unavailable` (503) for all traffic or a model,
   * `forbidden` (403) for a key or an application. Call after authorize (the model is resolved then).
   */
  check(ctx: RequestContext): void {
    if (!this.active) return;
    const s = this.snap;
    if (s.all) throw new RampartError('upstream_unavailable', { message: `All model traffic is suspended by the emergency switch${why(s.all)}.` });
    this.checkPrincipal(ctx);
    const model = ctx.model?.name ?? ctx.chat?.model ?? ctx.embed?.model;
    const m = model !== undefined ? s.models.get(model) : undefined;
    if (m) throw new RampartError('upstream_unavailable', { message: `The model '${model}' is disabled by the emergency switch${why(m)}.` });
  }

  /**
   * The admin plane's check: a disabled key or application is refused there too, but `all` and
   * model blocks are not (administrators must still be able to lift them).
   */
  checkPrincipal(ctx: RequestContext): void {
    if (!this.active) return;
    const s = this.snap;
    const p = ctx.principal;
    if (!p) return;
    const k = (p.keyId !== undefined ? s.keys.get(p.keyId) : undefined) ?? s.keys.get(p.id) ?? s.keys.get(p.id.replace(/^sigv4:/, ''));
    if (k) throw new RampartError('forbidden', { message: `This credential is disabled by the emergency switch${why(k)}.` });
    const a = p.application !== undefined ? s.applications.get(p.application) : undefined;
    if (a) throw new RampartError('forbidden', { message: `The application '${p.application}' is disabled by the emergency switch${why(a)}.` });
  }

  /** Adds (or replaces) a block, persists it and tells every instance. */
  async disable(block: Omit<EmergencyBlock, 'at'>, now = new Date()): Promise<EmergencyBlock> {
    if (block.target !== 'all' && !block.id) throw new RampartError('bad_request', { message: `disable ${block.target} needs an id`, param: 'id' });
    const b: EmergencyBlock = { target: block.target, id: block.target === 'all' ? undefined : block.id, reason: block.reason, by: block.by, at: now.toISOString() };
    await this.mutate((list) => [...list.filter((x) => !same(x, b)), b]);
    return b;
  }

  /** Lifts a block; resolves false when there was none. */
  async lift(target: EmergencyTarget, id?: string): Promise<boolean> {
    let found = false;
    await this.mutate((list, unreadable) => {
      const next = list.filter((x) => !same(x, { target, id }));
      // Rewriting an unreadable state lifts its implicit block on all traffic.
      found = next.length !== list.length || unreadable;
      return next;
    });
    return found;
  }

  /**
   * Read-modify-write under the store's cross-instance lock, so two administrators pulling the
   * switch on two instances at once do not lose one of the blocks.
   */
  private async mutate(fn: (list: EmergencyBlock[], unreadable: boolean) => EmergencyBlock[]): Promise<void> {
    const store = this.opts.store;
    for (let attempt = 0; attempt < 50; attempt++) {
      const done = await store.records.withLock(LOCK, async () => {
        const raw = await store.kv.get(EMERGENCY_KV_KEY);
        // An unreadable document is replaced: what the administrator writes now is the state.
        const parsed = raw === undefined ? [] : parseBlocks(raw);
        await store.kv.set(EMERGENCY_KV_KEY, JSON.stringify({ version: 1, blocks: fn(parsed ?? [], parsed === undefined) }));
        return true;
      });
      if (done) {
        await store.changes.publish(EMERGENCY_TOPIC);
        await this.reload();
        return;
      }
      await new Promise((r) => setTimeout(r, 20 * (attempt + 1)));
    }
    throw new RampartError('internal', { message: 'the emergency switch state stayed locked; try again' });
  }
}

/** Wraps the authorize stage so the switch is checked on every model call, after the model is resolved. */
export function withEmergencySwitch(stage: AuthorizeStage, sw: EmergencySwitch): AuthorizeStage {
  return {
    name: 'authorize',
    run(ctx) {
      const p = stage.run(ctx);
      if (p) return p.then(() => sw.check(ctx));
      sw.check(ctx);
    },
  };
}

function same(a: { target: EmergencyTarget; id?: string }, b: { target: EmergencyTarget; id?: string }): boolean {
  return a.target === b.target && (a.target === 'all' || a.id === b.id);
}

function why(b: EmergencyBlock): string {
  return b.reason ? ` (${b.reason.slice(0, 200)})` : '';
}

const TARGETS = new Set<string>(['key', 'application', 'model', 'all']);

function parseBlocks(raw: string): EmergencyBlock[] | undefined {
  try {
    const doc = JSON.parse(raw) as { version?: unknown; blocks?: unknown };
    if (doc.version !== 1 || !Array.isArray(doc.blocks)) return undefined;
    const out: EmergencyBlock[] = [];
    for (const b of doc.blocks as Array<Record<string, unknown>>) {
      if (typeof b !== 'object' || b === null || typeof b.target !== 'string' || !TARGETS.has(b.target)) return undefined;
      if (b.target !== 'all' && typeof b.id !== 'string') return undefined;
      out.push({
        target: b.target as EmergencyTarget,
        id: typeof b.id === 'string' ? b.id : undefined,
        reason: typeof b.reason === 'string' ? b.reason : undefined,
        by: typeof b.by === 'string' ? b.by : undefined,
        at: typeof b.at === 'string' ? b.at : '',
      });
    }
    return out;
  } catch {
    return undefined;
  }
}
