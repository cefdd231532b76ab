/**
 * Request authentication for Bedrock: SigV4 (static keys or the standard AWS credential chain) or
 * a Bedrock API key sent as a bearer token.
 */
import type { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity } from '@smithy/types';
import { UpstreamError } from '../types.js';

export interface SignInput {
  url: URL;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
}

export type RequestSigner = (req: SignInput) => Promise<Record<string, string>>;

export interface AuthConfig {
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  bearerToken?: string;
  /** Tests inject a credential source; production uses the default chain. */
  credentialProvider?: () => Promise<AwsCredentialIdentity>;
  /** Clock for signing (tests). */
  now?: () => Date;
}

/** Refresh this long before expiry so a signature never carries credentials about to lapse. */
const REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * Wraps a credential source so it is called lazily (the first call, not at config load: a gateway
 * without AWS access must still start) and again only when the cached credentials near expiry.
 * Concurrent callers share one in-flight resolution.
 */
export function cachedCredentials(source: () => Promise<AwsCredentialIdentity>, now: () => number = Date.now): () => Promise<AwsCredentialIdentity> {
  let cached: AwsCredentialIdentity | undefined;
  let inflight: Promise<AwsCredentialIdentity> | undefined;
  return async () => {
    if (cached && (!cached.expiration || cached.expiration.getTime() - REFRESH_MARGIN_MS > now())) return cached;
    inflight ??= source()
      .then((c) => {
        cached = c;
        return c;
      })
      .finally(() => {
        inflight = undefined;
      });
    return inflight;
  };
}

export function createSigner(cfg: AuthConfig): RequestSigner {
  if (cfg.bearerToken) {
    const value = `Bearer ${cfg.bearerToken}`;
    return async (req) => ({ ...req.headers, authorization: value });
  }
  const source: () => Promise<AwsCredentialIdentity> =
    cfg.accessKeyId && cfg.secretAccessKey
      ? async () => ({ accessKeyId: cfg.accessKeyId!, secretAccessKey: cfg.secretAccessKey!, sessionToken: cfg.sessionToken })
      : (cfg.credentialProvider ?? defaultChain());
  const credentials = cachedCredentials(source);
  // The AWS signing and credential packages load on the first signed call: a gateway without a SigV4
  // upstream never pays their memory (~10 MB resident).
  let signerP: Promise<SignatureV4> | undefined;
  const loadSigner = async (): Promise<SignatureV4> => {
    const [{ Sha256 }, { SignatureV4 }] = await Promise.all([import('@aws-crypto/sha256-js'), import('@smithy/signature-v4')]);
    return new SignatureV4({ service: 'bedrock', region: cfg.region, sha256: Sha256, credentials: async () => loadCredentials(credentials) });
  };
  return async (req) => {
    const signer = await (signerP ??= loadSigner());
    const signed = await signer.sign(
      {
        method: req.method,
        protocol: req.url.protocol,
        hostname: req.url.hostname,
        port: req.url.port ? Number(req.url.port) : undefined,
        path: req.url.pathname,
        query: {},
        headers: { ...req.headers, host: req.url.host },
        body: req.body,
      },
      cfg.now ? { signingDate: cfg.now() } : undefined,
    );
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(signed.headers)) if (typeof v === 'string') out[k.toLowerCase()] = v;
    return out;
  };
}

/** The standard AWS credential chain (env, profile, SSO, container, instance metadata), loaded on first use. */
function defaultChain(): () => Promise<AwsCredentialIdentity> {
  let chain: Promise<() => Promise<AwsCredentialIdentity>> | undefined;
  return async () => (await (chain ??= import('@aws-sdk/credential-provider-node').then((m) => m.defaultProvider())))();
}

/** A credential chain failure is our configuration problem, not the caller's: a non-retryable 502. */
async function loadCredentials(get: () => Promise<AwsCredentialIdentity>): Promise<AwsCredentialIdentity> {
  try {
    return await get();
  } catch (err) {
    throw new UpstreamError('upstream_error', { message: 'No AWS credentials available for Bedrock.', retryable: false, cause: err });
  }
}
