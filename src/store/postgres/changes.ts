/**
 * Change notifications for the PostgreSQL store: NOTIFY on publish, LISTEN on one dedicated connection (pooled
 * connections get recycled, which would silently drop the subscription). NOTIFY is database-wide, so the payload
 * carries the schema and the publishing instance; listeners drop other schemas' notices and their own echoes.
 *
 * Notifications sent while the listener is disconnected are lost. After it reconnects, subscribers get
 * RESYNC_TOPIC so they re-read everything they cache; otherwise a key revoked during the outage would stay usable.
 */
import pg from 'pg';
import { checkTopic, deliver, warn } from '../rows.js';
import { MAX_TOPIC_LENGTH, RESYNC_TOPIC, type ChangeChannel } from '../types.js';

export const CHANNEL = 'rampart_changes';

type Subscriber = (topic: string) => void;

interface Payload {
  s: string;
  o: string;
  t: string;
}

function parsePayload(text: string | undefined): Payload | undefined {
  if (!text) return undefined;
  try {
    const p: unknown = JSON.parse(text);
    if (typeof p !== 'object' || p === null) return undefined;
    const { s, o, t } = p as Record<string, unknown>;
    return typeof s === 'string' && typeof o === 'string' && typeof t === 'string' ? { s, o, t } : undefined;
  } catch {
    return undefined;
  }
}

export interface PgChangesOptions {
  pool: pg.Pool;
  /** Connection settings for the dedicated LISTEN client. */
  clientConfig: pg.ClientConfig;
  schema: string;
  origin: string;
  reconnectDelayMs: number;
}

export class PgChanges implements ChangeChannel {
  private readonly subscribers = new Set<Subscriber>();
  private client: pg.Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly opts: PgChangesOptions) {}

  /** Opens the listener; openStore awaits this so a publish right after opening is never missed. */
  async start(): Promise<void> {
    await this.connect();
  }

  async publish(topic: string): Promise<void> {
    checkTopic(topic, MAX_TOPIC_LENGTH);
    const payload: Payload = { s: this.opts.schema, o: this.opts.origin, t: topic };
    try {
      await this.opts.pool.query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify(payload)]);
    } finally {
      // The caller already changed the state; local caches must hear it even if the NOTIFY failed.
      deliver(this.subscribers, topic);
    }
  }

  subscribe(cb: Subscriber): () => void {
    this.subscribers.add(cb);
    return () => {
      this.subscribers.delete(cb);
    };
  }

  /** The backend pid of the LISTEN connection, for diagnostics and the reconnect test. */
  listenerPid(): number | undefined {
    return (this.client as (pg.Client & { processID?: number }) | undefined)?.processID;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.subscribers.clear();
    const c = this.client;
    this.client = undefined;
    if (c) await c.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client(this.opts.clientConfig);
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    client.on('notification', (msg) => this.onNotification(msg));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
  }

  private lost(client: pg.Client): void {
    if (this.closed || client !== this.client) return;
    this.client = undefined;
    client.removeAllListeners('notification');
    client.end().catch(() => undefined);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.connect().then(
        () => {
          if (!this.closed) deliver(this.subscribers, RESYNC_TOPIC);
        },
        (err: unknown) => {
          warn('RampartStoreListenError', err);
          this.scheduleReconnect();
        },
      );
    }, this.opts.reconnectDelayMs);
    // Reconnecting must not keep an otherwise finished process alive.
    this.timer.unref();
  }

  private onNotification(msg: pg.Notification): void {
    if (msg.channel !== CHANNEL) return;
    const p = parsePayload(msg.payload);
    if (!p || p.s !== this.opts.schema || p.o === this.opts.origin) return;
    deliver(this.subscribers, p.t);
  }
}
