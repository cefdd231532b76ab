import { z } from 'zod';
import type { AuthenticateStage } from '../pipeline/stages.js';
import type { Store } from '../store/types.js';
import { createAuthenticateStage } from './authenticate.js';
import { JwtAuthenticator } from './jwt.js';
import { KeyCache } from './keycache.js';
import { MtlsMapper } from './mtls.js';
import { NetworkPolicy, parseCidr } from './network.js';
import { loadMasterKey } from './sigv4-keys.js';
import { SigV4Verifier } from './sigv4.js';
import { AuthThrottle } from './throttle.js';

/**
 * The `identity:` section of rampart.yaml and the factory that compiles it into the authenticate
 * stage. Everything is validated here, at load, so a bad CIDR or an unsafe OIDC setting stops the
 * start (or a reload) with its path instead of failing on a request.
 */

const cidr = z.string().refine((s) => {
  try {
    parseCidr(s);
    return true;
  } catch {
    return false;
  }
}, 'a CIDR such as 10.0.0.0/8 or 2001:db8::/32');

const IssuerSchema = z
  .object({
    issuer: z.string().min(1),
    audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    jwksUrl: z.string().url().optional(),
    jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())).min(1) }).optional(),
    algorithms: z.array(z.string()).min(1),
    clockSkewSec: z.number().int().min(0).max(300).default(60),
    groupsClaim: z.string().optional(),
    roleMap: z.record(z.string(), z.array(z.string())).optional(),
    defaultRoles: z.array(z.string()).optional(),
    teamClaim: z.string().optional(),
    applicationClaim: z.string().optional(),
    mfaAmr: z.array(z.string()).optional(),
  })
  .strict();

const MtlsRuleSchema = z
  .object({
    match: z
      .object({
        subjectCN: z.string().optional(),
        subjectO: z.string().optional(),
        subjectOU: z.string().optional(),
        issuerCN: z.string().optional(),
        san: z.string().optional(),
        fingerprint256: z.string().optional(),
      })
      .strict(),
    principal: z
      .object({ name: z.string().optional(), roles: z.array(z.string()), team: z.string().optional(), application: z.string().optional(), allowedNetworks: z.array(cidr).optional() })
      .strict(),
  })
  .strict();

export const IdentityConfigSchema = z
  .object({
    /** Only these source networks may call at all; empty = any. */
    allowedNetworks: z.array(cidr).default([]),
    /** Proxies whose X-Forwarded-For is believed. */
    trustedProxies: z.array(cidr).default([]),
    lockout: z
      .object({
        maxFailures: z.number().int().min(1).max(10_000).default(20),
        windowMs: z.number().int().positive().default(60_000),
        lockMs: z.number().int().positive().default(15 * 60_000),
        /** Requests per IP per window before authentication; 0 = no limit. */
        preAuthPerWindow: z.number().int().min(0).default(0),
      })
      .strict()
      .default({ maxFailures: 20, windowMs: 60_000, lockMs: 15 * 60_000, preAuthPerWindow: 0 }),
    oidc: z.object({ issuers: z.array(IssuerSchema).min(1) }).strict().optional(),
    /** SigV4-signed requests with Rampart-issued access keys; needs RAMPART_SECRET_KEY(_FILE). */
    sigv4: z
      .object({ services: z.array(z.string()).min(1).default(['bedrock']), maxSkewSec: z.number().int().min(1).max(900).default(300) })
      .strict()
      .optional(),
    mtls: z.object({ rules: z.array(MtlsRuleSchema).min(1) }).strict().optional(),
  })
  .strict();

export type IdentityConfig = z.infer<typeof IdentityConfigSchema>;

export interface Identity {
  stage: AuthenticateStage;
  keys: KeyCache;
  network: NetworkPolicy;
  sigv4?: SigV4Verifier;
  close(): Promise<void>;
}

/** Compiles the section; throws (with the offending setting) on anything the schema could not catch. */
export function createIdentity(cfg: IdentityConfig, deps: { store: Store; env?: NodeJS.ProcessEnv }): Identity {
  const network = new NetworkPolicy({ allowedNetworks: cfg.allowedNetworks, trustedProxies: cfg.trustedProxies });
  const jwt = cfg.oidc
    ? new JwtAuthenticator({ issuers: cfg.oidc.issuers.map((i) => ({ ...i, jwks: i.jwks as { keys: import('jose').JWK[] } | undefined })) })
    : undefined;
  const mtls = cfg.mtls ? new MtlsMapper(cfg.mtls.rules) : undefined;
  const sigv4 = cfg.sigv4
    ? new SigV4Verifier({ store: deps.store, masterKey: loadMasterKey(deps.env), services: cfg.sigv4.services, maxSkewMs: cfg.sigv4.maxSkewSec * 1000 })
    : undefined;
  const keys = new KeyCache({ store: deps.store });
  const stage = createAuthenticateStage({ keys, jwt, sigv4, mtls, network, throttle: new AuthThrottle(cfg.lockout) });
  return {
    stage,
    keys,
    network,
    sigv4,
    async close() {
      sigv4?.close();
      await keys.close();
    },
  };
}
