/**
 * Ed25519 keys for audit digests. The private key lives in a file or an environment variable outside the store, so
 * whoever can write the log tables still cannot forge a digest; verifiers trust public keys by fingerprint (SHA-256
 * of the SubjectPublicKeyInfo DER, hex). Rotation: start signing with a new key and add its public key to the
 * verifier's trusted set; digests signed by the old key keep verifying while its public key stays trusted.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface Signer {
  readonly fingerprint: string;
  readonly publicKeyPem: string;
  sign(data: string): string;
}

export function fingerprintOf(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest('hex');
}

export function signerFromPem(pem: string): Signer {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('audit signing key must be an Ed25519 private key (PEM)');
  const pub = createPublicKey(key);
  return {
    fingerprint: fingerprintOf(pub),
    publicKeyPem: pub.export({ type: 'spki', format: 'pem' }).toString(),
    sign: (data) => sign(null, Buffer.from(data), key).toString('base64'),
  };
}

/** From a key file (preferred) or an environment variable holding the PEM. */
export function loadSigner(opts: { file?: string; env?: string }): Signer | undefined {
  if (opts.file) return signerFromPem(readFileSync(opts.file, 'utf8'));
  const pem = opts.env ? process.env[opts.env] : undefined;
  return pem ? signerFromPem(pem) : undefined;
}

export function generateSigningKey(): { privateKeyPem: string; publicKeyPem: string; fingerprint: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    fingerprint: fingerprintOf(publicKey),
  };
}

/** The public keys a verifier trusts, by fingerprint. */
export class TrustedKeys {
  private readonly keys = new Map<string, KeyObject>();

  add(pem: string): string {
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType !== 'ed25519') throw new Error('trusted audit keys must be Ed25519 public keys');
    const fp = fingerprintOf(key);
    this.keys.set(fp, key);
    return fp;
  }

  /** Files or directories of .pem files (a private key file is accepted: its public half is used). */
  static load(paths: string[]): TrustedKeys {
    const t = new TrustedKeys();
    for (const p of paths) {
      const files = statSync(p).isDirectory()
        ? readdirSync(p).filter((f) => f.endsWith('.pem')).map((f) => join(p, f))
        : [p];
      for (const f of files) t.add(readFileSync(f, 'utf8'));
    }
    return t;
  }

  get size(): number {
    return this.keys.size;
  }

  has(fingerprint: string): boolean {
    return this.keys.has(fingerprint);
  }

  verify(fingerprint: string, data: string, signature: string): boolean {
    const key = this.keys.get(fingerprint);
    return key !== undefined && verify(null, Buffer.from(data), key, Buffer.from(signature, 'base64'));
  }
}
