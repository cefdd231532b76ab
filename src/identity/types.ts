/** Who is calling, after authentication. */
export type AuthMethod = 'api_key' | 'bedrock_api_key' | 'sigv4' | 'jwt' | 'mtls';

export interface Principal {
  /** Stable id: `apikey:<keyId>`, `user:<issuer>#<sub>`, `cert:<subject>`. */
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
