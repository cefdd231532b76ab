/** Who is calling, after authentication. */
export type AuthMethod = 'api_key' | 'bedrock_api_key' | 'sigv4' | 'jwt' | 'mtls';

export interface Principal {
  /** Stable id: `apikey:<keyId>`, `sigv4:<accessKeyId>`, `user:<issuer>#<sub>`, `cert:<subject>`. */
  id: string;
  kind: 'api_key' | 'user' | 'certificate';
  name: string;
  roles: string[];
  team?: string;
  application?: string;
  /** The API key's id (never the key itself). */
  keyId?: string;
  authMethod: AuthMethod;
  /** MFA asserted (OIDC `amr`). */
  mfa: boolean;
  /** CIDRs this principal may call from; undefined = no per-principal restriction. */
  allowedNetworks?: string[];
}

/** A credential as presented; `secret` never leaves the identity stage and is never logged. */
export interface PresentedCredential {
  scheme: 'bearer' | 'x-api-key';
  secret: string;
}

/**
 * Raw facts about the HTTP request that only the authenticate stage needs (SigV4 signs the method,
 * path and query, with the body bytes from ctx.rawBody; the query string is checked for smuggled credentials; mTLS reads the
 * verified peer certificate). Set by the face as RequestContext.http; never logged.
 */
export interface RequestFacts {
  method: string;
  /** Path and query exactly as received (still percent-encoded). */
  url: string;
  /** The peer certificate, present only when the TLS layer verified it against the client CA. */
  peerCertificate?: PeerCertificateInfo;
}

/** The parts of tls.PeerCertificate that mTLS rules read. */
export interface PeerCertificateInfo {
  subject?: Record<string, string | string[] | undefined>;
  issuer?: Record<string, string | string[] | undefined>;
  subjectaltname?: string;
  fingerprint256?: string;
  valid_from?: string;
  valid_to?: string;
}
