import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as netConnect } from 'node:net';
import { connect as h2connect } from 'node:http2';
import { request } from 'node:http';
import { startListener, type Listener } from './listener.js';
import type { Req, Res } from './http.js';

const opts = { host: '127.0.0.1', port: 0, headersTimeoutMs: 500, requestTimeoutMs: 1500, keepAliveTimeoutMs: 500 };

function hello(req: Req, res: Res): void {
  const delay = Number(/delay=(\d+)/.exec(req.url ?? '')?.[1] ?? 0);
  setTimeout(() => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`hello over ${req.httpVersion}`);
  }, delay);
}

function get1(port: number, path = '/'): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
    }).on('error', reject).end();
  });
}

function get2(port: number, path = '/'): Promise<{ body: string; close: () => void }> {
  return new Promise((resolve, reject) => {
    const session = h2connect(`http://127.0.0.1:${port}`);
    session.on('error', reject);
    const s = session.request({ ':path': path });
    let body = '';
    s.setEncoding('utf8');
    s.on('data', (c: string) => (body += c));
    s.on('end', () => resolve({ body, close: () => session.close() }));
    s.on('error', reject);
  });
}

test('serves HTTP/1.1 and cleartext HTTP/2 (prior knowledge) on one port', async () => {
  const l = await startListener(opts, hello);
  try {
    assert.equal(await get1(l.address().port), 'hello over 1.1');
    const r = await get2(l.address().port);
    assert.equal(r.body, 'hello over 2.0');
    r.close();
  } finally {
    await l.close(1000);
  }
});

test('a client that never finishes its headers is cut off (HTTP/1.1)', async () => {
  const l = await startListener(opts, hello);
  try {
    const sock = netConnect(l.address().port, '127.0.0.1');
    sock.write('POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n');
    let got = '';
    sock.on('data', (d) => (got += d.toString()));
    await new Promise((r) => sock.on('close', r));
    assert.match(got, /^HTTP\/1\.1 408/);
  } finally {
    await l.close(1000);
  }
});

test('a connection that never sends a byte is closed', async () => {
  const l = await startListener(opts, hello);
  try {
    const sock = netConnect(l.address().port, '127.0.0.1');
    await new Promise((r) => sock.on('close', r));
  } finally {
    await l.close(1000);
  }
});

test('an HTTP/2 client that sends only part of the preface is closed', async () => {
  const l = await startListener(opts, hello);
  try {
    const sock = netConnect(l.address().port, '127.0.0.1');
    sock.write('PRI * HTTP/2.0\r\n');
    await new Promise((r) => sock.on('close', r));
  } finally {
    await l.close(1000);
  }
});

async function closeWhileBusy(l: Listener, inflight: Promise<string>): Promise<string> {
  await new Promise((r) => setTimeout(r, 50));
  const closed = l.close(5000);
  const body = await inflight;
  await closed;
  return body;
}

test('graceful shutdown lets an in-flight HTTP/1.1 request finish, then closes', async () => {
  const l = await startListener(opts, hello);
  const port = l.address().port;
  const body = await closeWhileBusy(l, get1(port, '/?delay=300'));
  assert.equal(body, 'hello over 1.1');
  await assert.rejects(get1(port));
});

test('graceful shutdown lets an in-flight HTTP/2 stream finish and does not wait on idle sessions', async () => {
  const l = await startListener(opts, hello);
  const port = l.address().port;
  // An idle HTTP/2 session kept open by a client must not block close().
  const idle = await get2(port);
  const started = Date.now();
  const body = await closeWhileBusy(l, get2(port, '/?delay=300').then((r) => r.body));
  assert.equal(body, 'hello over 2.0');
  assert.ok(Date.now() - started < 4000, 'close() did not wait for the grace period');
  idle.close();
});

test('TLS: ALPN picks HTTP/2 or HTTP/1.1 on the same port', async (t) => {
  const { execFileSync } = await import('node:child_process');
  const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'rampart-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile], { stdio: 'ignore' });
  } catch {
    t.skip('openssl is not available to make a test certificate');
    return;
  }
  const ca = readFileSync(certFile);
  const l = await startListener({ ...opts, tls: { certFile, keyFile } }, hello);
  try {
    const port = l.address().port;
    const https = await import('node:https');
    const body1 = await new Promise<string>((resolve, reject) => {
      https.get({ host: '127.0.0.1', port, ca, path: '/' }, (res) => {
        let b = '';
        res.on('data', (c: Buffer) => (b += c.toString()));
        res.on('end', () => resolve(b));
      }).on('error', reject);
    });
    assert.equal(body1, 'hello over 1.1');
    const body2 = await new Promise<string>((resolve, reject) => {
      const session = h2connect(`https://127.0.0.1:${port}`, { ca });
      session.on('error', reject);
      const s = session.request({ ':path': '/' });
      let b = '';
      s.on('data', (c: Buffer) => (b += c.toString()));
      s.on('end', () => { session.close(); resolve(b); });
    });
    assert.equal(body2, 'hello over 2.0');
  } finally {
    await l.close(1000);
  }
});
