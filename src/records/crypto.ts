/**
 * Payload encryption at rest: AES-256-GCM envelopes that name their key, so rotating the master key (adding a new
 * one and making it current) keeps every older record readable as long as the old key stays in the keyring.
 *
 * Crypto-shredding: with per-subject keys, each data subject's payloads are encrypted under a random data key that
 * is stored only wrapped (under the master key) in the store's subject_keys table. Destroying those rows makes the
 * payloads unreadable while the records, and the hashes over their ciphertext, stay intact and verifiable.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface Envelope {
  alg: 'A256GCM';
  /** Master key id, or the subject data key id when `subject` is set. */
  kid: string;
  subject?: string;
  iv: string;
  tag: string;
  ct: string;
}

export class KeyringError extends Error {
  override readonly name = 'KeyringError';
}

function seal(key: Buffer, plaintext: Buffer, aad: string): { iv: string; tag: string; ct: string } {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(aad));
  const ct = Buffer.concat([c.update(plaintext), c.final()]);
  return { iv: iv.toString('base64'), tag: c.getAuthTag().toString('base64'), ct: ct.toString('base64') };
}

function open(key: Buffer, env: { iv: string; tag: string; ct: string }, aad: string): Buffer {
  const d = createDecipheriv('aes-256-gcm', key, Buffer.from(env.iv, 'base64'));
  d.setAAD(Buffer.from(aad));
  d.setAuthTag(Buffer.from(env.tag, 'base64'));
  return Buffer.concat([d.update(Buffer.from(env.ct, 'base64')), d.final()]);
}

/** Master keys by id; the current one encrypts, all of them decrypt. */
export class Keyring {
  private constructor(
    private readonly keys: ReadonlyMap<string, Buffer>,
    readonly currentKid: string,
  ) {}

  /**
   * Parses `kid:base64key` entries separated by commas or newlines ('#' starts a comment). The current key is
   * `current` when given, else the last entry: rotation appends a key.
   */
  static parse(spec: string, current?: string): Keyring {
    const keys = new Map<string, Buffer>();
    let last: string | undefined;
    for (const raw of spec.split(/[,\n]/)) {
      const entry = raw.replace(/#.*/, '').trim();
      if (!entry) continue;
      const colon = entry.indexOf(':');
      if (colon < 1) throw new KeyringError('records keyring: each entry must be kid:base64key');
      const kid = entry.slice(0, colon).trim();
      const key = Buffer.from(entry.slice(colon + 1).trim(), 'base64');
      // The key bytes never appear in an error message.
      if (key.length !== 32) throw new KeyringError(`records keyring: key ${kid} must be 32 bytes (base64)`);
      if (keys.has(kid)) throw new KeyringError(`records keyring: duplicate key id ${kid}`);
      keys.set(kid, key);
      last = kid;
    }
    const cur = current ?? last;
    if (!cur || !keys.has(cur)) throw new KeyringError('records keyring: no keys, or the current key id is unknown');
    return new Keyring(keys, cur);
  }

  /** From a file (preferred: the log writer needs only read access) or an environment variable. */
  static load(opts: { file?: string; env?: string; current?: string }): Keyring | undefined {
    if (opts.file) return Keyring.parse(readFileSync(opts.file, 'utf8'), opts.current);
    const v = opts.env ? process.env[opts.env] : undefined;
    return v ? Keyring.parse(v, opts.current) : undefined;
  }

  static generateKey(): string {
    return randomBytes(32).toString('base64');
  }

  encrypt(plaintext: string, aad: string): Envelope {
    return { alg: 'A256GCM', kid: this.currentKid, ...seal(this.keys.get(this.currentKid)!, Buffer.from(plaintext), aad) };
  }

  decrypt(env: Envelope, aad: string): string {
    const key = this.keys.get(env.kid);
    if (!key) throw new KeyringError(`records keyring: unknown key id ${env.kid}`);
    return open(key, env, aad).toString('utf8');
  }

  wrap(dataKey: Buffer, aad: string): string {
    return JSON.stringify(this.encrypt(dataKey.toString('base64'), aad));
  }

  unwrap(wrapped: string, aad: string): Buffer {
    return Buffer.from(this.decrypt(JSON.parse(wrapped) as Envelope, aad), 'base64');
  }
}

/** A subject's data key, generated locally; `wrapped` is what the store keeps. */
export interface SubjectKey {
  subject: string;
  keyId: string;
  key: Buffer;
  wrapped: string;
}

export function newSubjectKey(master: Keyring, subject: string): SubjectKey {
  const key = randomBytes(32);
  const keyId = `sk_${randomBytes(8).toString('hex')}`;
  return { subject, keyId, key, wrapped: master.wrap(key, `subject:${subject}:${keyId}`) };
}

export function unwrapSubjectKey(master: Keyring, subject: string, keyId: string, wrapped: string): Buffer {
  return master.unwrap(wrapped, `subject:${subject}:${keyId}`);
}

export function encryptWithSubjectKey(k: SubjectKey, plaintext: string, aad: string): Envelope {
  return { alg: 'A256GCM', kid: k.keyId, subject: k.subject, ...seal(k.key, Buffer.from(plaintext), aad) };
}

export function decryptWithKey(key: Buffer, env: Envelope, aad: string): string {
  return open(key, env, aad).toString('utf8');
}
