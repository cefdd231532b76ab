/**
 * mTLS: an HTTPS listener that requires client certificates from the configured CA and maps the
 * certificate subject to a principal (identity.mtls rules). Certificates are made with openssl.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { pino } from 'pino';
import { parseConfigText } from '../../src/config/load.js';
import { startGateway, type Gateway } from '../../src/app.js';

let dir: string;
let gw: Gateway | undefined;
let skip: string | undefined;

function openssl(args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

/** A CA, a server certificate for 127.0.0.1 and a client certificate, each signed by `ca`. */
function pki(ca: string, client: string): void {
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', `/CN=${ca}`, '-keyout', `${ca}.key`, '-out', `${ca}.pem`]);
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', `/CN=${client}/O=Example`, '-keyout', `${client}.key`, '-out', `${client}.csr`]);
  openssl(['x509', '-req', '-in', `${client}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-days', '1', '-out', `${client}.pem`]);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rampart-mtls-'));
  try {
    pki('corp-ca', 'billing-service');
    pki('other-ca', 'intruder');
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', 'server.key', '-out', 'server.pem']);
  } catch {
    skip = 'openssl is not available to make test certificates';
    return;
  }
  writeFileSync(join(dir, 'rampart.yaml'), '');
  const config = parseConfigText(`
server: { host: 127.0.0.1, port: 0, tls: { certFile: server.pem, keyFile: server.key, clientCaFile: corp-ca.pem } }
store: { kind: sqlite, path: db.sqlite }
log: { level: silent }
identity:
  mtls:
    rules:
      - { match: { subjectCN: billing-service, subjectO: Example }, principal: { name: billing, roles: [general-access], application: billing } }
providers: [{ name: demo, kind: demo }]
models: [{ name: m, deployments: [{ provider: demo, model: d }] }]
guardrails: { attach: { all: [] } }
`, join(dir, 'rampart.yaml'), {});
  gw = await startGateway({ loaded: { config, baseDir: dir }, logger: pino({ level: 'silent' }), watch: false });
});
after(async () => {
  await gw?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function call(cert?: string) {
  const dispatcher = new Agent({
    connect: { ca: readFileSync(join(dir, 'server.pem')), ...(cert ? { cert: readFileSync(join(dir, `${cert}.pem`)), key: readFileSync(join(dir, `${cert}.key`)) } : {}) },
  });
  return request(`${gw!.url}/v1/chat/completions`, {
    dispatcher, method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hello' }] }),
  }).then(async (r) => ({ status: r.statusCode, body: await r.body.text() })).finally(() => dispatcher.close());
}

test('a client certificate from the configured CA authenticates as the mapped principal', async (t) => {
  if (skip) return t.skip(skip);
  const r = await call('billing-service');
  assert.equal(r.status, 200, r.body);
  assert.match(r.body, /rampart demo/);
  // The invocation record names the certificate's principal.
  for (let i = 0; ; i++) {
    const rows = await gw!.store.records.queryInvocations({ limit: 5 });
    const rec = rows.map((x) => JSON.parse(x.body) as { principal?: { id: string; application?: string; authMethod?: string } }).find((x) => x.principal);
    if (rec) {
      assert.equal(rec.principal?.authMethod, 'mtls');
      assert.equal(rec.principal?.application, 'billing');
      break;
    }
    assert.ok(i < 100, 'the invocation record arrived');
    await new Promise((res) => setTimeout(res, 30));
  }
});

test('no client certificate, or one from another CA, fails the TLS handshake', async (t) => {
  if (skip) return t.skip(skip);
  await assert.rejects(call());
  await assert.rejects(call('intruder'));
});
