/**
 * The storage contract. Everything that persists state (API keys, the request log, small key/value settings,
 * cross-instance change notifications) goes through this interface, so the gateway runs the same on the embedded
 * SQLite store and on PostgreSQL. Implementations live in ./sqlite/ and ./postgres/; ./conformance.ts holds the one
 * test suite both must pass.
 */
import type { RecordsStore } from './records-types.js';
import type { GovernanceStore } from './governance-types.js';
import type { GuardrailStore } from './guardrails-types.js';

export type * from './records-types.js';
export type * from './governance-types.js';
export type * from './guardrails-types.js';

export interface ApiKeyRecord {
  /** e.g. 'key_' + 16 random hex chars */
  id: string;
  name: string;
  owner?: string;
  createdBy?: string;
  /** hex SHA-256 of the full secret key; unique across the store */
  hash: string;
  /** first chars of the displayable key, for humans ("rk_live_ab12...") */
  prefix: string;
  roles: string[];
  team?: string;
  application?: string;
  /** CIDRs the key may be used from; absent means anywhere */
  allowedNetworks?: string[];
  createdAt: Date;
  expiresAt?: Date;
  lastUsedAt?: Date;
  revokedAt?: Date;
  /** a rotated-out key keeps working until then */
  graceUntil?: Date;
  /** id of the key that replaced it on rotation */
  replacedBy?: string;
}

/** Fields `update` may change. A property set to `undefined` clears the column (e.g. un-revoke in tests). */
export type ApiKeyPatch = Partial<Omit<ApiKeyRecord, 'id' | 'hash'>>;

export interface KeyStore {
  /** Fails with StoreConflictError when the id or the hash already exists. */
  create(rec: ApiKeyRecord): Promise<void>;
  get(id: string): Promise<ApiKeyRecord | undefined>;
  findByHash(hash: string): Promise<ApiKeyRecord | undefined>;
  /** Newest first. Revoked keys are left out unless includeRevoked. */
  list(opts?: { includeRevoked?: boolean; application?: string }): Promise<ApiKeyRecord[]>;
  /** Fails with StoreNotFoundError when no key has that id. */
  update(id: string, patch: ApiKeyPatch): Promise<void>;
  /** Batched last-used updates; unknown ids are ignored. */
  touch(ids: string[], at: Date): Promise<void>;
}

/** The structured request log (a later issue extends it to full invocation logs). */
export interface RequestLogRecord {
  requestId: string;
  time: Date;
  clientApi: string;
  operation: string;
  model?: string;
  deployment?: string;
  principalId?: string;
  sourceIp: string;
  status: number;
  errorCode?: string;
  inputTokens?: number;
  outputTokens?: number;
  latencyMs: number;
  firstByteMs?: number;
  stream: boolean;
  truncated?: boolean;
}

export interface RequestLogStore {
  insertMany(records: RequestLogRecord[]): Promise<void>;
  /** Newest first; `since` is inclusive; limit defaults to 100 and is capped at 10,000. */
  query(opts: { since?: Date; limit?: number }): Promise<RequestLogRecord[]>;
}

export interface KvStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
}

/** Cross-instance change notifications (keys revoked, policies changed...). */
export interface ChangeChannel {
  /**
   * Delivered to subscribers of this Store immediately and to other Store instances on the same database
   * (SQLite: within the poll interval, default 1 s; PostgreSQL: via LISTEN/NOTIFY). Delivery is at-most-once and
   * carries only the topic: subscribers re-read the state they cache.
   */
  publish(topic: string): Promise<void>;
  /** Returns an unsubscribe function. A throwing callback does not stop delivery to others. */
  subscribe(cb: (topic: string) => void): () => void;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  keys: KeyStore;
  requestLog: RequestLogStore;
  /** Invocation records, the audit chain and its signed digests (see ./records-types.ts). */
  records: RecordsStore;
  /** Model catalog governance, applications, approvals and assessments (see ./governance-types.ts). */
  governance: GovernanceStore;
  /** Guardrails created through the admin API: DRAFTs and numbered versions (see ./guardrails-types.ts). */
  guardrails: GuardrailStore;
  kv: KvStore;
  changes: ChangeChannel;
  /** Applies pending migrations; idempotent and safe to run from several instances at once. */
  migrate(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Delivered to subscribers when notifications may have been missed (the PostgreSQL LISTEN connection dropped and
 * came back). Treat it as "every topic changed": drop or re-read all cached state.
 */
export const RESYNC_TOPIC = '*';

/** Topics are short names such as 'keys' or 'policies'; at most this many characters. */
export const MAX_TOPIC_LENGTH = 200;

interface CommonStoreOptions {
  /** Apply pending migrations while opening; default true. The CLI may open with false to inspect. */
  autoMigrate?: boolean;
}

export type StoreConfig =
  | (CommonStoreOptions & {
      kind: 'sqlite';
      /** A file path (parent directories are created) or ':memory:' (single instance only). */
      path: string;
      /** How often other processes' publishes are polled for; default 1000 ms. */
      pollIntervalMs?: number;
    })
  | (CommonStoreOptions & {
      kind: 'postgres';
      url: string;
      maxConnections?: number;
      /** Delay before re-establishing a dropped LISTEN connection; default 1000 ms. */
      reconnectDelayMs?: number;
    });

/** A write hit a unique constraint (duplicate key id or hash). */
export class StoreConflictError extends Error {
  override readonly name = 'StoreConflictError';
}

/** An update or delete named a row that does not exist. */
export class StoreNotFoundError extends Error {
  override readonly name = 'StoreNotFoundError';
}
