/**
 * Records figures: hot-path CPU per request, sustained records/s into SQLite and PostgreSQL through the Recorder
 * (spool with fdatasync group commit -> batched store sink), and `audit verify` events/s. Prints figures; not a test.
 * With PostgreSQL on this machine it also prints the server's CPU per record: on a shared box records/s swings with
 * other load, CPU per record much less.
 *
 *   node .build/records/bench/records.js [--n 100000] [--skip-pg]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { AuditChain } from '../src/records/audit.js';
import { writeDigest } from '../src/records/digest.js';
import { Recorder } from '../src/records/recorder.js';
import { TrustedKeys, generateSigningKey, signerFromPem } from '../src/records/signing.js';
import { storeWorkerSink } from '../src/records/sinks/store-worker.js';
import { postgresKit, pgProblem, sqliteKit, type TestStoreKit } from '../src/records/test-stores.js';
import { fakeContext } from '../src/records/testing.js';
import type { RequestContext } from '../src/pipeline/context.js';

const argv = process.argv.slice(2);
const N = Number(argv[argv.indexOf('--n') + 1]) || 100_000;
const skipPg = argv.includes('--skip-pg');
const tmp = mkdtempSync(join(tmpdir(), 'rampart-bench-records-'));

function contexts(n: number): RequestContext[] {
  const base = fakeContext();
  return Array.from({ length: n }, (_, i) => fakeContext({ requestId: `req_${i}_${Math.random().toString(36).slice(2)}`, chat: base.chat, response: base.response }));
}

/** Names the sink's PostgreSQL connections so their server processes can be found. */
const BENCH_APP = `rampart-bench-records-${process.pid}`;

function withApp(url: string): string {
  const u = new URL(url);
  u.searchParams.set('application_name', BENCH_APP);
  return u.toString();
}

/** CPU ms used so far by the server processes of the sink's connections; undefined unless they run on this host. */
async function serverCpuMs(url: string): Promise<number | undefined> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [BENCH_APP]);
    let ms = 0;
    for (const { pid } of rows) {
      // /proc/<pid>/stat fields 14 and 15: user and system time in clock ticks (100 per second on Linux).
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      ms += (Number(f[11]) + Number(f[12])) * 10;
    }
    return rows.length > 0 ? ms : undefined;
  } catch {
    return undefined;
  } finally {
    await c.end();
  }
}

async function throughput(label: string, kit: TestStoreKit): Promise<void> {
  const store = await kit.open();
  const rec = await Recorder.create({
    spoolDir: join(tmp, `spool-${label}`),
    // Store writes run in a worker thread: off the event loop, on the other core.
    sinks: [
      storeWorkerSink({
        store: kit.kind === 'sqlite' ? { kind: 'sqlite', path: kit.location } : { kind: 'postgres', url: withApp(kit.location), maxConnections: 2 },
      }),
    ],
    store: store.records,
    batchSize: 2000,
    flushMs: 20,
    maxQueue: 200_000,
  });
  const ctxs = contexts(N);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let hot = 0;
  // Arrive in slices, yielding between them, as requests would; the hot path is timed per slice.
  for (let i = 0; i < N; i += 500) {
    const h0 = performance.now();
    for (let j = i; j < Math.min(N, i + 500); j++) rec.record(ctxs[j]);
    hot += performance.now() - h0;
    await new Promise<void>((r) => setImmediate(r));
  }
  await rec.flush(600_000);
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  // The sink's connections opened after t0 and are still open (the sink closes with the recorder).
  const server = kit.kind === 'postgres' ? await serverCpuMs(kit.location) : undefined;
  const s = rec.stats();
  console.log(
    `${label.padEnd(10)} ${N} records in ${wall.toFixed(0)} ms = ${Math.round((N * 1000) / wall)} records/s sustained ` +
      `(spool commits ${s.spoolCommits}, spilled ${s.spilled}, dropped ${s.dropped}); ` +
      `hot path ${((hot / N) * 1000).toFixed(1)} µs/request wall; total CPU incl. background ${(((cpu.user + cpu.system) / N)).toFixed(1)} µs/record` +
      (server === undefined ? '' : `; PostgreSQL server CPU ${((server * 1000) / N).toFixed(1)} µs/record`),
  );
  await rec.close();
  await store.close();
}

async function verifySpeed(kit: TestStoreKit): Promise<void> {
  const store = await kit.open();
  const key = generateSigningKey();
  const signer = signerFromPem(key.privateKeyPem);
  const chain = new AuditChain('bench');
  const ctx = fakeContext();
  const n = Math.max(N, 200_000);
  for (let i = 0; i < n; i += 10_000) {
    const rows = [];
    for (let j = 0; j < 10_000; j++) {
      rows.push(
        chain.seal({
          eventName: 'InvokeModel', eventSource: 'rampart.data', eventTime: new Date(), requestId: `req_${i + j}`,
          principal: { id: ctx.principal!.id, kind: 'api_key', name: 'k', authMethod: 'api_key', roles: ['developer'] },
          sourceIPAddress: ctx.sourceIp, userAgent: ctx.userAgent, readOnly: false,
          requestParameters: { clientApi: 'openai', modelId: 'gpt-4o-mini', stream: false, maxTokens: 64, messages: 1 },
          responseElements: { status: 200, deployment: 'demo/gpt-4o-mini' },
          authorization: { decision: 'allow', policyIds: ['policy0'], errors: [] },
          invocationHash: 'f'.repeat(64),
        }),
      );
    }
    await store.records.appendAudit(rows);
  }
  await writeDigest(store.records, signer, { intervalMs: 3_600_000 });
  const trusted = new TrustedKeys();
  trusted.add(key.publicKeyPem);
  const { verifyAudit } = await import('../src/records/verify.js');
  const r = await verifyAudit(store.records, trusted);
  console.log(`verify     ${r.events} events (${kit.kind}) in ${r.elapsedMs} ms = ${Math.round((r.events * 1000) / r.elapsedMs)} events/s, ok=${r.ok}`);
  await store.close();
}

try {
  const kits: TestStoreKit[] = [sqliteKit()];
  const pg = skipPg ? 'skipped' : await pgProblem();
  if (!pg) kits.push(await postgresKit());
  else console.log(`postgres   ${pg}`);
  for (const k of kits) {
    await throughput(k.kind, k);
  }
  await verifySpeed(kits[0]);
  for (const k of kits) await k.cleanup();
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
