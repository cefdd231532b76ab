import { createServer as createHttp1, type Server as Http1Server } from 'node:http';
import { createServer as createH2c, createSecureServer, type Http2Server, type Http2SecureServer, type ServerHttp2Session } from 'node:http2';
import { createServer as createNet, type Server as NetServer, type Socket, type AddressInfo } from 'node:net';
import { createServer as createTls, type TLSSocket } from 'node:tls';
import { readFileSync } from 'node:fs';
import type { Req, Res } from './http.js';

export interface ListenerOptions {
  host: string;
  port: number;
  tls?: { certFile: string; keyFile: string; clientCaFile?: string; requireClientCert?: boolean };
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

export interface Listener {
  address(): AddressInfo;
  /** Stops accepting, lets in-flight requests and streams finish, closes idle connections. */
  close(graceMs: number): Promise<void>;
  readonly closing: boolean;
}

const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

/**
 * One port, both protocols. Cleartext: the first bytes decide (the HTTP/2 connection preface, as
 * the AWS SDK sends with prior knowledge, or HTTP/1.1). TLS: ALPN decides. The HTTP/1.1 server
 * never listen()s itself, so its header/request timeout tracking is switched on explicitly.
 */
export async function startListener(opts: ListenerOptions, handler: (req: Req, res: Res) => void): Promise<Listener> {
  const h1: Http1Server = createHttp1({
    headersTimeout: opts.headersTimeoutMs,
    requestTimeout: opts.requestTimeoutMs,
    keepAliveTimeout: opts.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, opts.headersTimeoutMs),
  }, handler);
  // Node starts the headersTimeout/requestTimeout sweeper on 'listening'; this server is fed
  // sockets by the front listener instead, so start it by hand (checked by a slowloris test).
  h1.emit('listening');

  const sessions = new Set<ServerHttp2Session>();
  const h2: Http2Server | Http2SecureServer = opts.tls
    ? createSecureServer({ cert: readFileSync(opts.tls.certFile), key: readFileSync(opts.tls.keyFile), allowHTTP1: false })
    : createH2c({});
  h2.on('request', handler);
  h2.setTimeout(opts.keepAliveTimeoutMs * 12);
  h2.on('session', (s: ServerHttp2Session) => {
    sessions.add(s);
    s.once('close', () => sessions.delete(s));
  });

  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    // Stream frames are small writes: without TCP_NODELAY, Nagle + delayed ACKs add ~40 ms to each.
    s.setNoDelay(true);
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };

  let front: NetServer;
  if (opts.tls) {
    const clientCa = opts.tls.clientCaFile ? readFileSync(opts.tls.clientCaFile) : undefined;
    front = createTls({
      cert: readFileSync(opts.tls.certFile),
      key: readFileSync(opts.tls.keyFile),
      ALPNProtocols: ['h2', 'http/1.1'],
      handshakeTimeout: opts.headersTimeoutMs,
      // mTLS: client certificates are verified here, against the configured CA only; the identity
      // stage maps a verified certificate (socket.authorized) to a principal.
      ...(clientCa ? { ca: clientCa, requestCert: true, rejectUnauthorized: opts.tls.requireClientCert ?? true } : {}),
    }, (socket: TLSSocket) => {
      track(socket);
      if (socket.alpnProtocol === 'h2') h2.emit('secureConnection', socket);
      else h1.emit('connection', socket);
    });
  } else {
    front = createNet({ pauseOnConnect: false }, (socket) => {
      track(socket);
      sniff(socket, opts.headersTimeoutMs, (isH2) => (isH2 ? h2.emit('connection', socket) : h1.emit('connection', socket)));
    });
  }

  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.listen(opts.port, opts.host, () => { front.off('error', reject); resolve(); });
  });

  let closing = false;
  return {
    address: () => front.address() as AddressInfo,
    get closing() { return closing; },
    async close(graceMs: number) {
      if (closing) return;
      closing = true;
      const frontClosed = new Promise<void>((r) => front.close(() => r()));
      // HTTP/2: GOAWAY lets open streams finish and refuses new ones.
      for (const s of sessions) s.close();
      // HTTP/1.1: idle keep-alive sockets go now; busy ones get `connection: close` on their answer.
      h1.closeIdleConnections();
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        const deadline = Date.now() + graceMs;
        const check = () => {
          h1.closeIdleConnections();
          if (sockets.size === 0 || Date.now() >= deadline) return resolve();
          timer = setTimeout(check, 25);
        };
        check();
      });
      clearTimeout(timer);
      for (const s of sessions) s.destroy();
      for (const s of sockets) s.destroy();
      h1.close();
      await frontClosed;
    },
  };
}

/** Reads just enough of the first bytes to tell the HTTP/2 preface from HTTP/1.1, then unshifts them. */
function sniff(socket: Socket, timeoutMs: number, route: (isH2: boolean) => void): void {
  let buf: Buffer = Buffer.alloc(0);
  const timer = setTimeout(() => socket.destroy(), timeoutMs);
  const onData = (chunk: Buffer) => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    const n = Math.min(buf.length, H2_PREFACE.length);
    const isPrefix = buf.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
    if (isPrefix && buf.length < H2_PREFACE.length) return; // need more bytes to decide
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('error', onError);
    socket.pause();
    socket.unshift(buf);
    route(isPrefix);
    // The HTTP/2 session reads the unshifted bytes itself (socket.read() on the next tick);
    // resuming would flow them to no listener. The HTTP/1.1 parser needs the socket flowing.
    if (!isPrefix) socket.resume();
  };
  const onError = () => { clearTimeout(timer); socket.destroy(); };
  socket.on('data', onData);
  socket.on('error', onError);
}
