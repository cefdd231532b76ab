import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Store } from '../store/types.js';
import { checkMintable, type Creator, type CreateKeyInput } from './apikeys.js';

/**
 * SigV4 credentials issued by Rampart (for AWS SDK clients that sign instead of sending a bearer
 * token). The verifier needs the secret itself, so it cannot be hashed: it is sealed with
 * AES-256-GCM under a master key from the environment or a file, with the access key id as
 * associated data (a sealed secret copied onto another id does not open).
 *
 * Storage: Store.kv, key `sigv4:<accessKeyId>`, value JSON of StoredSigV4Credential. Changes are
 * announced on the 'sigv4' topic.
 */

export const SIGV4_KV_PREFIX = 'sigv4:';

export interface SigV4Credential {
  accessKeyId: string;
  name: string;
  roles: string[];
  team?: string;
  application?: string;
  allowedNetworks?: string[];
  createdBy?: string;
  createdAt: string; // ISO
  expiresAt?: string;
  revokedAt?: string;
}

interface StoredSigV4Credential extends SigV4Credential {
  sealed: { iv: string; tag: string; ct: string }; // base64
}

/** Loads the 32-byte master key: RAMPART_SECRET_KEY (base64 or hex) or the file RAMPART_SECRET_KEY_FILE. */
export function loadMasterKey(env: NodeJS.ProcessEnv = process.env): Buffer {
  let text = env.RAMPART_SECRET_KEY;
  if (!text && env.RAMPART_SECRET_KEY_FILE) text = readFileSync(env.RAMPART_SECRET_KEY_FILE, 'utf8');
  if (!text) throw new Error('RAMPART_SECRET_KEY or RAMPART_SECRET_KEY_FILE must hold a 32-byte key (base64 or hex) to use SigV4 credentials');
  return parseMasterKey(text.trim());
}

export function parseMasterKey(text: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== 32) throw new Error('the SigV4 master key must be 32 bytes (64 hex chars or 44 base64 chars)');
  return key;
}

export function seal(master: Buffer, accessKeyId: string, secret: string): StoredSigV4Credential['sealed'] {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', master, iv);
  c.setAAD(Buffer.from(accessKeyId, 'utf8'));
  const ct = Buffer.concat([c.update(secret, 'utf8'), c.final()]);
  return { iv: iv.toString('base64'), tag: c.getAuthTag().toString('base64'), ct: ct.toString('base64') };
}

export function unseal(master: Buffer, accessKeyId: string, sealed: StoredSigV4Credential['sealed']): string {
  const d = createDecipheriv('aes-256-gcm', master, Buffer.from(sealed.iv, 'base64'));
  d.setAAD(Buffer.from(accessKeyId, 'utf8'));
  d.setAuthTag(Buffer.from(sealed.tag, 'base64'));
  return Buffer.concat([d.update(Buffer.from(sealed.ct, 'base64')), d.final()]).toString('utf8');
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function newAccessKeyId(): string {
  const b = randomBytes(16);
  let s = 'RKIA';
  for (let i = 0; i < 16; i++) s += BASE32[b[i] & 31];
  return s;
}

export interface IssuedSigV4 {
  accessKeyId: string;
  /** Shown once. */
  secretAccessKey: string;
  credential: SigV4Credential;
}

export async function issueSigV4Credential(store: Store, master: Buffer, input: CreateKeyInput, creator: Creator): Promise<IssuedSigV4> {
  checkMintable(input, creator);
  const accessKeyId = newAccessKeyId();
  const secretAccessKey = randomBytes(30).toString('base64url');
  const credential: SigV4Credential = {
    accessKeyId,
    name: input.name,
    roles: [...new Set(input.roles)].sort(),
    team: input.team,
    application: input.application,
    allowedNetworks: input.allowedNetworks,
    createdBy: creator.id,
    createdAt: new Date().toISOString(),
    expiresAt: input.expiresAt?.toISOString(),
  };
  const stored: StoredSigV4Credential = { ...credential, sealed: seal(master, accessKeyId, secretAccessKey) };
  await store.kv.set(SIGV4_KV_PREFIX + accessKeyId, JSON.stringify(stored));
  await store.changes.publish('sigv4');
  return { accessKeyId, secretAccessKey, credential };
}

export async function revokeSigV4Credential(store: Store, accessKeyId: string): Promise<boolean> {
  const raw = await store.kv.get(SIGV4_KV_PREFIX + accessKeyId);
  if (!raw) return false;
  const stored = JSON.parse(raw) as StoredSigV4Credential;
  stored.revokedAt ??= new Date().toISOString();
  await store.kv.set(SIGV4_KV_PREFIX + accessKeyId, JSON.stringify(stored));
  await store.changes.publish('sigv4');
  return true;
}

export interface ResolvedSigV4 {
  credential: SigV4Credential;
  secret: string;
}

/** Loads and opens a credential; undefined when unknown, revoked, expired or not openable. */
export async function loadSigV4Credential(store: Store, master: Buffer, accessKeyId: string, now = Date.now()): Promise<ResolvedSigV4 | undefined> {
  if (!/^RKIA[A-Z2-7]{16}$/.test(accessKeyId)) return undefined;
  const raw = await store.kv.get(SIGV4_KV_PREFIX + accessKeyId);
  if (!raw) return undefined;
  let stored: StoredSigV4Credential;
  try {
    stored = JSON.parse(raw) as StoredSigV4Credential;
  } catch {
    return undefined; // a corrupt row authenticates nobody
  }
  if (stored.accessKeyId !== accessKeyId || !stored.sealed) return undefined;
  if (stored.revokedAt && Date.parse(stored.revokedAt) <= now) return undefined;
  if (stored.expiresAt && Date.parse(stored.expiresAt) <= now) return undefined;
  try {
    const { sealed, ...credential } = stored;
    return { credential, secret: unseal(master, accessKeyId, sealed) };
  } catch {
    // wrong master key or tampered row: the credential cannot authenticate
    return undefined;
  }
}
