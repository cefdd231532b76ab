import { performance } from 'node:perf_hooks';
import type { TLSSocket } from 'node:tls';
import type { Req, Res } from './http.js';
import { peerAddress } from './http.js';
import type { ClientApi, Operation, RequestContext } from '../pipeline/context.js';
import type { Action } from '../authz/types.js';
import type { RuntimeHolder } from '../config/runtime.js';
import type { PeerCertificateInfo } from '../identity/types.js';
import { RampartError } from '../errors.js';
import { LightAbortController } from '../pipeline/abort.js';

export interface ContextOptions {
  holder: RuntimeHolder;
  /** The client address: the peer, or X-Forwarded-For when the peer is a trusted proxy. */
  clientIp: (peer: string, xff: string | string[] | undefined) => string;
  api: ClientApi;
  operation: Operation;
  action: Action;
  requestId: string;
}

/**
 * The RequestContext of one HTTP request, for the data plane and the admin API alike. It holds the
 * runtime (config) the request started under until the answer is done; a client that goes away
 * before the answer is complete aborts ctx.signal (and so the upstream call) and marks it truncated.
 */
export function newRequestContext(req: Req, res: Res, o: ContextOptions): RequestContext {
  const rt = o.holder.current;
  const release = rt.acquire();
  const controller = new LightAbortController();
  const ctx: RequestContext = {
    requestId: o.requestId,
    receivedAt: performance.now(),
    startedAt: new Date(),
    clientApi: o.api,
    operation: o.operation,
    action: o.action,
    sourceIp: o.clientIp(peerAddress(req), req.headers['x-forwarded-for']),
    userAgent: req.headers['user-agent'],
    headers: req.headers,
    signal: controller.signal,
    runtime: rt,
    http: { method: req.method ?? 'GET', url: req.url ?? '/', peerCertificate: verifiedPeerCertificate(req) },
    guardrails: [],
    attempts: 0,
  };
  res.once('close', () => {
    release();
    if (!res.writableFinished) {
      ctx.truncated = true;
      controller.abort(new RampartError('bad_request', { message: 'client disconnected' }));
    }
  });
  return ctx;
}

/** The client certificate, only when the TLS layer verified it against the configured client CA. */
export function verifiedPeerCertificate(req: Req): PeerCertificateInfo | undefined {
  const sock = req.socket as TLSSocket | undefined;
  if (!sock || !sock.encrypted || !sock.authorized) return undefined;
  const cert = sock.getPeerCertificate();
  return cert && Object.keys(cert).length > 0 ? cert : undefined;
}
