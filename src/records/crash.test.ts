/**
 * kill -9 under load: every record acknowledged as durable before the child died is in the store after a restart,
 * every stream the child had started has a record marked truncated, and the audit chain verifies.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, it } from 'node:test';
import { openStore } from '../store/index.js';
import { Recorder } from './recorder.js';
import { TrustedKeys, generateSigningKey, signerFromPem } from './signing.js';
import { storeSink } from './sinks/store.js';
import type { InvocationRecord } from './types.js';
import { verifyAudit } from './verify.js';

const dir = mkdtempSync(join(tmpdir(), 'rampart-crash-'));
after(() => rmSync(dir, { recursive: true, force: true }));

it('loses no acknowledged record when the process is killed with SIGKILL', { timeout: 60_000 }, async () => {
  const spoolDir = join(dir, 'spool');
  const dbPath = join(dir, 'rampart.db');
  const child = spawn(process.execPath, [fileURLToPath(new URL('./crash-child.js', import.meta.url)), spoolDir, dbPath], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const acked: string[] = [];
  const opened: string[] = [];
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_c, sig) => resolve(sig)));
  for await (const line of createInterface({ input: child.stdout })) {
    const [kind, id] = line.split(' ');
    if (kind === 'ack') acked.push(id);
    else if (kind === 'open') opened.push(id);
    if (acked.length >= 600 && opened.length >= 3 && child.exitCode === null) child.kill('SIGKILL');
  }
  assert.equal(await exited, 'SIGKILL');

  const store = await openStore({ kind: 'sqlite', path: dbPath });
  const key = generateSigningKey();
  const rec = await Recorder.create({
    spoolDir,
    sinks: [storeSink(store.records)],
    store: store.records,
    digest: { signer: signerFromPem(key.privateKeyPem), intervalMs: 60_000, store: store.records },
  });
  try {
    assert.ok(rec.stats().replayed > 0, 'some records were only in the spool when the child died');
    await rec.flush();
    const missing: string[] = [];
    for (const id of acked) if (!(await store.records.getInvocation(id))) missing.push(id);
    assert.deepEqual(missing, [], `${missing.length} of ${acked.length} acknowledged records lost`);
    for (const id of opened) {
      const row = await store.records.getInvocation(id);
      assert.ok(row, `stream ${id} has no record`);
      assert.equal((JSON.parse(row.body) as InvocationRecord).truncated, true);
    }
    assert.ok(rec.stats().recoveredTruncated >= opened.length);
    await rec.writeDigest();
    const trusted = new TrustedKeys();
    trusted.add(key.publicKeyPem);
    const report = await verifyAudit(store.records, trusted);
    assert.deepEqual(report.problems, []);
    assert.ok(report.events >= acked.length + opened.length);
  } finally {
    await rec.close();
    await store.close();
  }
});
