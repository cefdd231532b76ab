import { RampartError } from '../errors.js';
import type { RequestContext } from '../pipeline/context.js';
import type { AuthenticateStage } from '../pipeline/stages.js';
import type { ApiKeyRecord } from '../store/types.js';
import { keyState, looksLikeApiKey } from './apikeys.js';
import { extractCredential, queryCarriesCredential } from './credentials.js';
import { looksLikeJwt, type JwtAuthenticator } from './jwt.js';
import type { KeyCache } from './keycache.js';
import type { MtlsMapper } from './mtls.js';
import { NetworkList, type NetworkPolicy } from './network.js';
import type { SigV4Verifier } from './sigv4.js';
import { AuthThrottle, type ThrottleOptions } from './throttle.js';
import type { Principal } from './types.js';

/**
 * The authenticate stage: source checks, then the one presented credential -> ctx.principal.
 * ctx.sourceIp must already be the client address resolved by NetworkPolicy.clientIp (the face
 * does that, since only it sees the socket). Every refusal is a RampartError; failures count
 * towards the per-IP lockout.
 */

export interface AuthenticateOptions {
  keys: KeyCache;
  jwt?: JwtAuthenticator;
  sigv4?: SigV4Verifier;
  mtls?: MtlsMapper;
  network: NetworkPolicy;
  throttle?: AuthThrottle | ThrottleOptions;
  now?: () => number;
}

const GENERIC = 'Missing or invalid credentials.';

export function createAuthenticateStage(opts: AuthenticateOptions): AuthenticateStage & { readonly throttle: AuthThrottle } {
  const throttle = opts.throttle instanceof AuthThrottle ? opts.throttle : new AuthThrottle(opts.throttle);
  const now = opts.now ?? Date.now;
  const keyNetworks = new WeakMap<ApiKeyRecord, NetworkList>();

  const refuse = (ip: string, message = GENERIC): RampartError => {
    throttle.fail(ip);
    return new RampartError('unauthorized', { message });
  };

  function networksOf(rec: ApiKeyRecord): NetworkList | undefined {
    if (!rec.allowedNetworks || rec.allowedNetworks.length === 0) return undefined;
    let list = keyNetworks.get(rec);
    if (!list) {
      try {
        list = new NetworkList(rec.allowedNetworks);
      } catch {
        list = new NetworkList([]); // an unparsable stored CIDR allows nothing
      }
      keyNetworks.set(rec, list);
    }
    return list;
  }

  async function fromApiKey(ctx: RequestContext, token: string): Promise<Principal | undefined> {
    const rec = await opts.keys.lookup(token);
    if (!rec || keyState(rec, new Date(now())) !== 'active') return undefined;
    const nets = networksOf(rec);
    if (nets && !nets.contains(ctx.sourceIp)) return undefined;
    opts.keys.markUsed(rec.id);
    return {
      id: `apikey:${rec.id}`,
      kind: 'api_key',
      name: rec.name,
      roles: rec.roles,
      team: rec.team,
      application: rec.application,
      keyId: rec.id,
      // the AWS SDK's Bedrock API key (AWS_BEARER_TOKEN_BEDROCK) arrives as the same bearer header
      authMethod: ctx.clientApi === 'bedrock' ? 'bedrock_api_key' : 'api_key',
      mfa: false,
      allowedNetworks: rec.allowedNetworks,
    };
  }

  async function resolve(ctx: RequestContext): Promise<Principal> {
    const ip = ctx.sourceIp;
    const cred = extractCredential(ctx.headers);
    switch (cred.kind) {
      case 'invalid':
        throw refuse(ip, cred.reason);
      case 'none': {
        const cert = ctx.http?.peerCertificate;
        const p = cert && opts.mtls ? opts.mtls.map(cert) : undefined;
        if (p) return p;
        throw refuse(ip);
      }
      case 'sigv4': {
        if (!opts.sigv4 || !ctx.http) throw refuse(ip);
        const r = await opts.sigv4.verify({ method: ctx.http.method, url: ctx.http.url, headers: ctx.headers, body: ctx.rawBody ?? Buffer.alloc(0) });
        if (!r.ok) throw refuse(ip);
        const c = r.credential;
        return {
          id: `sigv4:${c.accessKeyId}`,
          kind: 'api_key',
          name: c.name,
          roles: c.roles,
          team: c.team,
          application: c.application,
          keyId: c.accessKeyId,
          authMethod: 'sigv4',
          mfa: false,
          allowedNetworks: c.allowedNetworks,
        };
      }
      case 'bearer':
      case 'x-api-key': {
        let p: Principal | undefined;
        if (looksLikeApiKey(cred.token)) p = await fromApiKey(ctx, cred.token);
        else if (cred.kind === 'bearer' && opts.jwt && looksLikeJwt(cred.token)) {
          const r = await opts.jwt.verify(cred.token);
          p = r.ok ? r.principal : undefined;
        }
        if (!p) throw refuse(ip);
        return p;
      }
    }
  }

  return {
    name: 'authenticate',
    throttle,
    async run(ctx: RequestContext): Promise<void> {
      // Without the raw URL the query string cannot be checked for smuggled credentials: a wiring
      // bug, answered as an internal error rather than silently skipping the check.
      if (!ctx.http) throw new Error('authenticate: the face must set ctx.http (method, url)');
      const ip = ctx.sourceIp;
      const verdict = throttle.admit(ip);
      if (!verdict.ok)
        throw new RampartError('rate_limited', {
          message: verdict.reason === 'locked' ? 'Too many failed authentication attempts.' : 'Too many requests.',
          retryAfter: verdict.retryAfterSec,
        });
      if (!opts.network.globallyAllowed(ip)) throw refuse(ip, 'The source network is not allowed.');
      if (queryCarriesCredential(ctx.http.url)) throw refuse(ip, 'Credentials must not be sent in the query string.');
      const p = await resolve(ctx);
      // per-principal networks of SigV4 and mTLS principals (API keys were checked with a cached list)
      if (p.keyId === undefined || p.authMethod === 'sigv4') {
        if (p.allowedNetworks && p.allowedNetworks.length > 0 && !new NetworkList(p.allowedNetworks).contains(ip)) throw refuse(ip);
      }
      ctx.principal = p;
    },
  };
}
