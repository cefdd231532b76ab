import type { createLocalJWKSet, createRemoteJWKSet, JSONWebKeySet, JWTPayload } from 'jose';
import type { Principal } from './types.js';

/**
 * OIDC bearer tokens. Each issuer is configured explicitly (issuer, audience, where its keys come
 * from, which algorithms it signs with); a token whose `iss` names no configured issuer is refused
 * before any key is fetched. Only asymmetric algorithms are accepted, so a token "signed" with
 * `none` or with HS256 keyed by the issuer's public key cannot verify.
 */

const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;
export type JwtAlgorithm = (typeof ASYMMETRIC)[number];

export interface OidcIssuerConfig {
  issuer: string;
  audience: string | string[];
  /** Exactly one of jwksUrl / jwks. */
  jwksUrl?: string;
  jwks?: JSONWebKeySet;
  algorithms: string[];
  /** Tolerated clock difference for exp/nbf/iat, seconds; at most 300, default 60. */
  clockSkewSec?: number;
  /** Claim holding group names (default `groups`). */
  groupsClaim?: string;
  /** group -> roles. Groups not listed grant nothing, so an IdP group cannot name a role by itself. */
  roleMap?: Record<string, string[]>;
  /** Roles every authenticated user of this issuer gets. */
  defaultRoles?: string[];
  /** Claim holding the team (a string). */
  teamClaim?: string;
  /** Claim holding the application (a string). */
  applicationClaim?: string;
  /** `amr` values that count as multi-factor (default mfa, otp, hwk, swk, fido). */
  mfaAmr?: string[];
}

export interface JwtAuthenticatorOptions {
  issuers: OidcIssuerConfig[];
  now?: () => number;
}

type KeySet = ReturnType<typeof createRemoteJWKSet> | ReturnType<typeof createLocalJWKSet>;
type Jose = typeof import('jose');

/** jose loads on the first bearer JWT: a gateway without OIDC does not hold it (~2 MB resident). */
let jose: Promise<Jose> | undefined;
const loadJose = () => (jose ??= import('jose'));

interface CompiledIssuer {
  cfg: OidcIssuerConfig;
  /** Made on the first token from this issuer (jose loads then). */
  keys: (jose: Jose) => KeySet;
  algorithms: JwtAlgorithm[];
  skew: number;
}

export class JwtConfigError extends Error {
  override readonly name = 'JwtConfigError';
}

const JWT_SHAPE = /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** A compact JWS: three base64url parts whose header starts `{"`. */
export function looksLikeJwt(token: string): boolean {
  return token.length < 16_384 && JWT_SHAPE.test(token);
}

function once<T>(make: (j: Jose) => T): (j: Jose) => T {
  let made: T | undefined;
  return (j) => (made ??= make(j));
}

export type JwtResult = { ok: true; principal: Principal } | { ok: false; reason: string };

export class JwtAuthenticator {
  private readonly issuers = new Map<string, CompiledIssuer>();
  private readonly now: () => number;

  constructor(opts: JwtAuthenticatorOptions) {
    this.now = opts.now ?? Date.now;
    opts.issuers.forEach((cfg, i) => {
      const where = `oidc.issuers[${i}]`;
      if (!cfg.issuer) throw new JwtConfigError(`${where}.issuer is required`);
      if (this.issuers.has(cfg.issuer)) throw new JwtConfigError(`${where}: duplicate issuer ${cfg.issuer}`);
      if (!cfg.audience || (Array.isArray(cfg.audience) && cfg.audience.length === 0))
        throw new JwtConfigError(`${where}.audience is required`);
      if (!cfg.algorithms?.length) throw new JwtConfigError(`${where}.algorithms must list the accepted algorithms`);
      for (const a of cfg.algorithms) {
        if (!(ASYMMETRIC as readonly string[]).includes(a))
          throw new JwtConfigError(`${where}.algorithms: "${a}" is not allowed (only asymmetric algorithms; never none or HS*)`);
      }
      const skew = cfg.clockSkewSec ?? 60;
      if (skew < 0 || skew > 300) throw new JwtConfigError(`${where}.clockSkewSec must be 0-300`);
      let keys: (j: Jose) => KeySet;
      if (cfg.jwksUrl && !cfg.jwks) {
        let url: URL;
        try {
          url = new URL(cfg.jwksUrl);
        } catch {
          throw new JwtConfigError(`${where}.jwksUrl is not a URL`);
        }
        if (url.protocol !== 'https:' && url.hostname !== '127.0.0.1' && url.hostname !== 'localhost' && url.hostname !== '[::1]')
          throw new JwtConfigError(`${where}.jwksUrl must be https (plain http only on loopback)`);
        keys = once((j) => j.createRemoteJWKSet(url, { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000, timeoutDuration: 5_000 }));
      } else if (cfg.jwks && !cfg.jwksUrl) {
        for (const k of cfg.jwks.keys) {
          if (k.kty === 'oct') throw new JwtConfigError(`${where}.jwks: symmetric (oct) keys are not accepted`);
          if ('d' in k) throw new JwtConfigError(`${where}.jwks: contains a private key`);
        }
        if (!Array.isArray(cfg.jwks.keys)) throw new JwtConfigError(`${where}.jwks.keys must be an array`);
        const jwks = cfg.jwks;
        keys = once((j) => j.createLocalJWKSet(jwks));
      } else {
        throw new JwtConfigError(`${where}: set exactly one of jwksUrl or jwks`);
      }
      this.issuers.set(cfg.issuer, { cfg, keys, algorithms: cfg.algorithms as JwtAlgorithm[], skew });
    });
  }

  async verify(token: string): Promise<JwtResult> {
    const j = await loadJose();
    let iss: string | undefined;
    try {
      iss = j.decodeJwt(token).iss;
    } catch {
      return { ok: false, reason: 'malformed token' };
    }
    const issuer = iss !== undefined ? this.issuers.get(iss) : undefined;
    if (!issuer) return { ok: false, reason: 'unknown issuer' };
    let payload: JWTPayload;
    try {
      ({ payload } = await j.jwtVerify(token, issuer.keys(j), {
        issuer: issuer.cfg.issuer,
        audience: issuer.cfg.audience,
        algorithms: issuer.algorithms,
        clockTolerance: issuer.skew,
        currentDate: new Date(this.now()),
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (err) {
      return { ok: false, reason: `token rejected: ${(err as { code?: string }).code ?? 'invalid'}` };
    }
    return { ok: true, principal: this.toPrincipal(issuer.cfg, payload) };
  }

  private toPrincipal(cfg: OidcIssuerConfig, p: JWTPayload): Principal {
    const roles = new Set(cfg.defaultRoles ?? []);
    const groups = p[cfg.groupsClaim ?? 'groups'];
    const list = Array.isArray(groups) ? groups : typeof groups === 'string' ? [groups] : [];
    for (const g of list) {
      if (typeof g !== 'string') continue;
      const mapped = cfg.roleMap && Object.prototype.hasOwnProperty.call(cfg.roleMap, g) ? cfg.roleMap[g] : undefined;
      for (const r of mapped ?? []) roles.add(r);
    }
    const str = (claim?: string): string | undefined => {
      const v = claim ? p[claim] : undefined;
      return typeof v === 'string' && v.length > 0 && v.length <= 256 ? v : undefined;
    };
    const amr = Array.isArray(p.amr) ? p.amr.filter((x): x is string => typeof x === 'string') : [];
    const mfaValues = new Set(cfg.mfaAmr ?? ['mfa', 'otp', 'hwk', 'swk', 'fido']);
    return {
      id: `user:${cfg.issuer}#${p.sub}`,
      kind: 'user',
      name: str('email') ?? str('preferred_username') ?? String(p.sub),
      roles: [...roles].sort(),
      team: str(cfg.teamClaim),
      application: str(cfg.applicationClaim),
      authMethod: 'jwt',
      mfa: amr.some((a) => mfaValues.has(a)),
    };
  }
}
