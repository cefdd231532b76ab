/**
 * Retention, several instances on one PostgreSQL store, and the CLI (verify, query, bad filters, decrypt).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { auditCommand } from '../cli/audit.js';
import { logsCommand } from '../cli/logs.js';
import type { Store } from '../store/types.js';
import { AuditChain } from './audit.js';
import { Keyring } from './crypto.js';
import { writeDigest } from './digest.js';
import { Recorder } from './recorder.js';
import { applyRetention } from './retention.js';
import { TrustedKeys, generateSigningKey, signerFromPem } from './signing.js';
import { storeSink } from './sinks/store.js';
import { postgresKit, pgProblem, sqliteKit, type TestStoreKit } from './test-stores.js';
import { fakeContext } from './testing.js';
import { verifyAudit } from './verify.js';

const key = generateSigningKey();
const signer = signerFromPem(key.privateKeyPem);
const trusted = new TrustedKeys();
trusted.add(key.publicKeyPem);
const tmp = mkdtempSync(join(tmpdir(), 'rampart-admin-'));
const kits: TestStoreKit[] = [];
after(async () => {
  for (const k of kits) await k.cleanup();
  rmSync(tmp, { recursive: true, force: true });
});
const pubFile = join(tmp, 'audit.pub.pem');
writeFileSync(pubFile, key.publicKeyPem);

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

/** 100 events, one per hour from T0, with a digest after every 20. */
async function seedOld(store: Store, instanceId = 'inst-old'): Promise<void> {
  const chain = new AuditChain(instanceId);
  for (let block = 0; block < 5; block++) {
    const rows = Array.from({ length: 20 }, (_, i) => {
      const n = block * 20 + i;
      return chain.seal({
        eventName: 'InvokeModel', eventSource: 'rampart.data', eventTime: new Date(T0 + n * 3_600_000),
        requestId: `req_${n}`, readOnly: false,
        principal: { id: n % 2 ? 'apikey:odd' : 'apikey:even', kind: 'api_key', name: 'k', authMethod: 'api_key', roles: [] },
        authorization: { decision: n % 10 === 0 ? 'deny' : 'allow', policyIds: ['p'], errors: [] },
      });
    });
    await store.records.appendAudit(rows);
    await writeDigest(store.records, signer, { intervalMs: 3_600_000, now: new Date(T0 + (block * 20 + 20) * 3_600_000) });
  }
}

async function cli(cmd: typeof auditCommand, argv: string[], store: Store) {
  let out = '';
  let err = '';
  const code = await cmd(argv, { store, out: (s) => (out += s), err: (s) => (err += s), now: () => new Date(T0 + 4 * DAY + 3_600_000) });
  return { code, out, err };
}

describe('retention', () => {
  it('deletes old events to a digest boundary, audits the deletion, and the trail still verifies', async () => {
    const kit = sqliteKit();
    kits.push(kit);
    const store = await kit.open();
    try {
      await seedOld(store);
      const res = await applyRetention(store.records, { auditBefore: new Date(T0 + 50 * 3_600_000), requestId: 'req_ret' });
      const mine = res?.audit.find((a) => a.instanceId === 'inst-old');
      assert.deepEqual(mine, { instanceId: 'inst-old', deletedThroughSeq: 40, deleted: 40 }, 'cut at the digest boundary before the cutoff');
      assert.equal((await store.records.queryAudit({ action: 'ApplyRetention' })).length, 1);
      await writeDigest(store.records, signer, { intervalMs: 3_600_000 });
      assert.deepEqual((await verifyAudit(store.records, trusted)).problems, []);
      // A second run that deletes nothing new still restates the claim, so older retention events may go too.
      await applyRetention(store.records, { auditBefore: new Date(T0 + 50 * 3_600_000), requestId: 'req_ret2' });
      await writeDigest(store.records, signer, { intervalMs: 3_600_000 });
      assert.deepEqual((await verifyAudit(store.records, trusted)).problems, []);
    } finally {
      await store.close();
    }
  });

  it('flags a prefix deleted without a retention event', async () => {
    const kit = sqliteKit();
    kits.push(kit);
    const store = await kit.open();
    try {
      await seedOld(store);
      await store.records.deleteAuditThrough('inst-old', 20);
      const r = await verifyAudit(store.records, trusted);
      assert.ok(r.problems.some((p) => p.kind === 'deleted' && p.seq === 1 && /no retention event/.test(p.message)), JSON.stringify(r.problems));
    } finally {
      await store.close();
    }
  });
});

describe('several instances on one PostgreSQL store', async () => {
  const skip = await pgProblem();
  it('keep one verifiable chain each, with one digest writer at a time', { skip }, async () => {
    const kit = await postgresKit();
    kits.push(kit);
    const stores = [await kit.open(), await kit.open()];
    const recs = await Promise.all(
      stores.map((s, i) =>
        Recorder.create({
          spoolDir: join(tmp, `pg-spool-${i}`), sinks: [storeSink(s.records)], store: s.records, flushMs: 2,
          digest: { signer, intervalMs: 60_000, store: s.records },
        }),
      ),
    );
    try {
      for (let i = 0; i < 300; i++) recs[i % 2].record(fakeContext());
      await Promise.all(recs.map((r) => r.flush()));
      const digests = await Promise.all([recs[0].writeDigest(), recs[1].writeDigest(), recs[0].writeDigest()]);
      assert.ok(digests.some(Boolean), 'at least one digest written');
      const report = await verifyAudit(stores[0].records, trusted);
      assert.deepEqual(report.problems, []);
      assert.equal(report.instances, 2);
      assert.equal(report.events, 300);
      assert.deepEqual(report.unsignedTail, {});
    } finally {
      for (const r of recs) await r.close();
      for (const s of stores) await s.close();
    }
  });
});

describe('rampart audit / logs', () => {
  it('verify exits 0 on a sound trail and 1 naming the tampered event', async () => {
    const kit = sqliteKit();
    kits.push(kit);
    const store = await kit.open();
    try {
      await seedOld(store);
      const good = await cli(auditCommand, ['verify', '--public-key', pubFile, '--no-age-check'], store);
      assert.equal(good.code, 0, good.err);
      assert.match(good.out, /^OK: 100 events in 1 chain\(s\), 5 digest\(s\)/);
      const db = new Database(kit.location);
      db.prepare("UPDATE audit_events SET body = replace(body, 'apikey:even', 'apikey:evil') WHERE seq = 13").run();
      db.close();
      const bad = await cli(auditCommand, ['verify', '--public-key', pubFile, '--no-age-check'], store);
      assert.equal(bad.code, 1);
      assert.match(bad.err, /FAIL edited: inst-old: event 13 was edited/);
      const json = await cli(auditCommand, ['verify', '--public-key', pubFile, '--json', '--at', '2026-02-01T00:00:00Z'], store);
      const report = JSON.parse(json.out) as { ok: boolean; problems: Array<{ kind: string }> };
      assert.equal(report.ok, false);
      assert.ok(report.problems.some((p) => p.kind === 'missing_digest'), 'digests stopped long before --now');
      const usage = await cli(auditCommand, ['verify'], store);
      assert.equal(usage.code, 2);
    } finally {
      await store.close();
    }
  });

  it('query filters events and answers JSON', async () => {
    const kit = sqliteKit();
    kits.push(kit);
    const store = await kit.open();
    try {
      await seedOld(store);
      const r = await cli(auditCommand, ['query', '--principal', 'apikey:even', '--decision', 'deny', '--since', '2026-01-01T00:00:00Z', '--limit', '3'], store);
      assert.equal(r.code, 0, r.err);
      const events = JSON.parse(r.out) as Array<{ requestId: string; principal: { id: string }; hash: string }>;
      assert.deepEqual(events.map((e) => e.requestId), ['req_90', 'req_80', 'req_70']);
      const recent = JSON.parse((await cli(auditCommand, ['query', '--since', '2d', '--limit', '10000'], store)).out) as unknown[];
      assert.equal(recent.length, 100 - 49, 'relative --since counts back from now');
    } finally {
      await store.close();
    }
  });

  it('rejects malformed filters with a clear message and exit code 2', async () => {
    const kit = sqliteKit();
    kits.push(kit);
    const store = await kit.open();
    try {
      const cases: Array<[typeof auditCommand, string[], RegExp]> = [
        [auditCommand, ['query', '--since', 'yesterday'], /--since: "yesterday" is not a time/],
        [auditCommand, ['query', '--until', '2026-13-45'], /--until: "2026-13-45" is not a time/],
        [auditCommand, ['query', '--decision', 'maybe'], /--decision: "maybe" must be allow or deny/],
        [auditCommand, ['query', '--princpal', 'x'], /unknown filter --princpal/],
        [auditCommand, ['query', '--limit', '0'], /--limit: "0" must be an integer from 1 to 10000/],
        [auditCommand, ['query', '--model', 'gpt'], /--model filters invocation logs/],
        [auditCommand, ['query', '--since', '1h', '--until', '2h'], /--since must be before --until/],
        [auditCommand, ['query', '--principal'], /--principal needs a value/],
        [logsCommand, ['query', '--guardrail-action', 'BLOCKED'], /must be NONE, INTERVENED or ANONYMIZED/],
        [logsCommand, ['query', '--application', "x' OR 1=1 --"], /has characters/],
      ];
      for (const [cmd, argv, msg] of cases) {
        const r = await cli(cmd, argv, store);
        assert.equal(r.code, 2, `${argv.join(' ')} -> ${r.out}`);
        assert.match(r.err, msg);
      }
    } finally {
      await store.close();
    }
  });

  it('logs query decrypts payloads with the keyring', async () => {
    const kit = sqliteKit();
    kits.push(kit);
    const store = await kit.open();
    const k = Keyring.generateKey();
    const keysFile = join(tmp, 'records.keys');
    writeFileSync(keysFile, `# records keys\nk1:${k}\n`);
    const rec = await Recorder.create({
      spoolDir: join(tmp, 'logs-spool'), sinks: [storeSink(store.records)], store: store.records,
      encryption: { keyring: Keyring.parse(`k1:${k}`) },
    });
    try {
      const c = fakeContext({ startedAt: new Date(T0 + 4 * DAY) });
      rec.record(c);
      await rec.flush();
      const sealed = await cli(logsCommand, ['query', '--model', 'gpt-4o-mini', '--guardrail-action', 'none'], store);
      assert.equal(sealed.code, 0, sealed.err);
      assert.ok(!sealed.out.includes('alice@example.com'));
      const open = await cli(logsCommand, ['query', '--application', 'support-bot', '--decrypt', '--keys-file', keysFile], store);
      assert.equal(open.code, 0, open.err);
      assert.match(open.out, /alice@example\.com/);
    } finally {
      await rec.close();
      await store.close();
    }
  });
});
