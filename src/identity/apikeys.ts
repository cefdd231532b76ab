import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiKeyRecord, Store } from '../store/types.js';
import { networksWithin, parseCidr } from './network.js';

/**
 * API keys: `rk_` + 43 base64url chars (256 random bits). The key is shown once; the store keeps
 * only its SHA-256 (a fast hash is enough: the input has 256 bits of entropy, so there is nothing
 * to brute-force) and a short prefix for humans.
 */

export const KEY_PREFIX = 'rk_';
const BODY_LEN = 43; // 32 bytes in base64url, no padding
const KEY_RE = /^rk_[A-Za-z0-9_-]{43}$/;

export function generateKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

export function looksLikeApiKey(s: string): boolean {
  return s.length === KEY_PREFIX.length + BODY_LEN && KEY_RE.test(s);
}

export function hashKey(key: string): string {
  return hash('sha256', key, 'hex');
}

/** Constant-time comparison of two hex digests of equal length. */
export function hashesEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'hex');
  const bb = Buffer.from(b, 'hex');
  return ab.length === bb.length && ab.length > 0 && timingSafeEqual(ab, bb);
}

export type KeyState = 'active' | 'expired' | 'revoked' | 'rotated_out';

/** Whether a stored key may authenticate at `now`. */
export function keyState(rec: ApiKeyRecord, now: Date): KeyState {
  const t = now.getTime();
  if (rec.revokedAt && rec.revokedAt.getTime() <= t) return 'revoked';
  if (rec.expiresAt && rec.expiresAt.getTime() <= t) return 'expired';
  if (rec.graceUntil && rec.graceUntil.getTime() <= t) return 'rotated_out';
  return 'active';
}

/** Who is minting a key: the limits the new key must stay within. */
export interface Creator {
  /** Recorded as createdBy. */
  id: string;
  roles: readonly string[];
  application?: string;
  allowedNetworks?: readonly string[];
  /**
   * 'admin' may mint any role for any application (platform-admin, the local CLI);
   * 'scoped' (app owners) only within its own roles, application and networks.
   */
  scope: 'admin' | 'scoped';
}

/**
 * The creator limits for a principal using the admin API: platform admins mint freely (their
 * ManageKeys permit is checked by Cedar first); everyone else is scoped to what they hold.
 */
export function creatorFor(p: { id: string; roles: readonly string[]; application?: string; allowedNetworks?: readonly string[] }): Creator {
  return {
    id: p.id,
    roles: p.roles,
    application: p.application,
    allowedNetworks: p.allowedNetworks,
    scope: p.roles.includes('platform-admin') ? 'admin' : 'scoped',
  };
}

export interface CreateKeyInput {
  name: string;
  owner?: string;
  roles: string[];
  team?: string;
  application?: string;
  allowedNetworks?: string[];
  expiresAt?: Date;
}

export class KeyPolicyError extends Error {
  override readonly name = 'KeyPolicyError';
}

/** Refuses a key that would give more access than its creator holds. */
export function checkMintable(input: CreateKeyInput, creator: Creator): void {
  for (const c of input.allowedNetworks ?? []) {
    try {
      parseCidr(c);
    } catch (err) {
      throw new KeyPolicyError((err as Error).message);
    }
  }
  if (!/^[\w .:@-]{1,128}$/.test(input.name)) throw new KeyPolicyError('key name: 1-128 letters, digits, space and _ . : @ -');
  if (creator.scope === 'admin') return;
  const held = new Set(creator.roles);
  const extra = input.roles.filter((r) => !held.has(r));
  if (extra.length > 0) throw new KeyPolicyError(`cannot grant roles the creator does not hold: ${extra.join(', ')}`);
  if (!creator.application) throw new KeyPolicyError('a scoped creator must belong to an application');
  if (input.application !== creator.application)
    throw new KeyPolicyError(`may only create keys for application "${creator.application}"`);
  if (creator.allowedNetworks && creator.allowedNetworks.length > 0) {
    if (!input.allowedNetworks || input.allowedNetworks.length === 0)
      throw new KeyPolicyError('the key must be limited to networks within the creator\'s');
    if (!networksWithin(input.allowedNetworks, creator.allowedNetworks))
      throw new KeyPolicyError('the key\'s networks must lie within the creator\'s');
  }
}

export interface CreatedKey {
  /** The only time the full key exists outside the caller's hands. */
  key: string;
  record: ApiKeyRecord;
}

function newId(): string {
  return 'key_' + randomBytes(8).toString('hex');
}

export async function createKey(store: Store, input: CreateKeyInput, creator: Creator, now = new Date()): Promise<CreatedKey> {
  checkMintable(input, creator);
  const key = generateKey();
  const record: ApiKeyRecord = {
    id: newId(),
    name: input.name,
    owner: input.owner,
    createdBy: creator.id,
    hash: hashKey(key),
    prefix: key.slice(0, 10),
    roles: [...new Set(input.roles)].sort(),
    team: input.team,
    application: input.application,
    allowedNetworks: input.allowedNetworks && input.allowedNetworks.length > 0 ? input.allowedNetworks : undefined,
    createdAt: now,
    expiresAt: input.expiresAt,
  };
  await store.keys.create(record);
  await store.changes.publish('keys');
  return { key, record };
}

/** A scoped creator may only see and manage its own application's keys. */
function assertManageable(rec: ApiKeyRecord, creator: Creator): void {
  if (creator.scope === 'admin') return;
  if (!creator.application || rec.application !== creator.application)
    throw new KeyPolicyError(`key ${rec.id} belongs to another application`);
}

export async function listKeys(store: Store, creator: Creator, opts: { includeRevoked?: boolean } = {}): Promise<ApiKeyRecord[]> {
  if (creator.scope === 'admin') return store.keys.list({ includeRevoked: opts.includeRevoked });
  if (!creator.application) return [];
  return store.keys.list({ includeRevoked: opts.includeRevoked, application: creator.application });
}

export async function revokeKey(store: Store, id: string, creator: Creator, now = new Date()): Promise<ApiKeyRecord> {
  const rec = await store.keys.get(id);
  if (!rec) throw new KeyPolicyError(`no key ${id}`);
  assertManageable(rec, creator);
  if (!rec.revokedAt) {
    await store.keys.update(id, { revokedAt: now });
    await store.changes.publish('keys');
  }
  return { ...rec, revokedAt: rec.revokedAt ?? now };
}

/**
 * Mints a replacement with the same grants; the old key keeps working until now + graceMs and then
 * is refused. A grace of 0 cuts it off at once.
 */
export async function rotateKey(store: Store, id: string, creator: Creator, graceMs: number, now = new Date()): Promise<CreatedKey> {
  const old = await store.keys.get(id);
  if (!old) throw new KeyPolicyError(`no key ${id}`);
  assertManageable(old, creator);
  if (keyState(old, now) !== 'active') throw new KeyPolicyError(`key ${id} is not active`);
  const created = await createKey(
    store,
    {
      name: old.name,
      owner: old.owner,
      roles: old.roles,
      team: old.team,
      application: old.application,
      allowedNetworks: old.allowedNetworks,
      expiresAt: old.expiresAt,
    },
    // rotation mints a key, so the same no-escalation rule applies to the replacement
    creator,
    now,
  );
  await store.keys.update(id, { graceUntil: new Date(now.getTime() + Math.max(0, graceMs)), replacedBy: created.record.id });
  await store.changes.publish('keys');
  return created;
}

/** `30d`, `24h`, `15m`, `45s` -> milliseconds. */
export function parseDuration(s: string): number {
  const m = /^(\d{1,6})([smhd])$/.exec(s.trim());
  if (!m) throw new KeyPolicyError(`invalid duration "${s}" (use e.g. 30d, 24h, 15m)`);
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

/** What the admin API and the CLI show of a key: never the hash, and the state spelled out. */
export function keyView(rec: ApiKeyRecord, now = new Date()) {
  return {
    id: rec.id,
    name: rec.name,
    prefix: rec.prefix,
    state: keyState(rec, now),
    owner: rec.owner,
    createdBy: rec.createdBy,
    roles: rec.roles,
    team: rec.team,
    application: rec.application,
    allowedNetworks: rec.allowedNetworks,
    createdAt: rec.createdAt.toISOString(),
    expiresAt: rec.expiresAt?.toISOString(),
    lastUsedAt: rec.lastUsedAt?.toISOString(),
    revokedAt: rec.revokedAt?.toISOString(),
    graceUntil: rec.graceUntil?.toISOString(),
    replacedBy: rec.replacedBy,
  };
}
