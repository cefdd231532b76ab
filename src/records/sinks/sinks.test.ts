/** Every sink runs the shared conformance suite: the store (SQLite, PostgreSQL), JSON Lines files, S3 (s3rver). */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { postgresKit, pgProblem, sqliteKit, type TestStoreKit } from '../test-stores.js';
import { AuditChain } from '../audit.js';
import { sinkConformance, makeBatch, type SinkUnderTest } from './conformance.js';
import { jsonlSink } from './jsonl.js';
import { s3Sink } from './s3.js';
import { storeSink } from './store.js';
import { storeWorkerSink } from './store-worker.js';

async function storeUnderTest(kit: TestStoreKit): Promise<SinkUnderTest> {
  const store = await kit.open();
  return {
    sink: storeSink(store.records),
    async read() {
      const audit: string[] = [];
      for (const h of await store.records.auditHeads()) {
        audit.push(...(await store.records.readAudit(h.instanceId, 0, 100_000)).map((r) => r.body));
      }
      const invocations = (await store.records.queryInvocations({ limit: 10_000 })).map((r) => r.body);
      return { invocations, audit };
    },
    async cleanup() {
      await store.close();
      await kit.cleanup();
    },
  };
}

sinkConformance('store (sqlite)', () => storeUnderTest(sqliteKit()));

sinkConformance('store (sqlite, worker thread)', async () => {
  const kit = sqliteKit();
  const t = await storeUnderTest(kit);
  return { ...t, sink: storeWorkerSink({ store: { kind: 'sqlite', path: kit.location } }) };
});

const pgSkip = await pgProblem();
if (pgSkip) {
  describe('records sink conformance: store (postgres)', () => {
    it('needs PostgreSQL', { skip: pgSkip }, () => {});
  });
} else {
  sinkConformance('store (postgres)', async () => storeUnderTest(await postgresKit()));
  sinkConformance('store (postgres, worker thread)', async () => {
    const kit = await postgresKit();
    const t = await storeUnderTest(kit);
    return { ...t, sink: storeWorkerSink({ store: { kind: 'postgres', url: kit.location, maxConnections: 2 } }) };
  });
}

function readJsonl(dir: string): { invocations: string[]; audit: string[] } {
  const out = { invocations: [] as string[], audit: [] as string[] };
  for (const f of readdirSync(dir).sort()) {
    const raw = readFileSync(join(dir, f));
    const text = f.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
    const lines = text.split('\n').filter(Boolean);
    (f.startsWith('audit-') ? out.audit : out.invocations).push(...lines);
  }
  return out;
}

sinkConformance('jsonl', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-jsonl-'));
  return {
    sink: jsonlSink({ dir }),
    read: async () => readJsonl(dir),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describe('jsonl rotation', () => {
  it('rotates by size and gzips rotated files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rampart-jsonl-'));
    try {
      const sink = jsonlSink({ dir, maxBytes: 4096 });
      const chain = new AuditChain('inst-rot');
      for (let i = 0; i < 6; i++) await sink.write(makeBatch(chain, 5));
      await sink.close();
      const files = readdirSync(dir);
      assert.ok(files.filter((f) => f.startsWith('invocations-')).length > 2, files.join(' '));
      assert.ok(files.every((f) => f.endsWith('.jsonl.gz')), 'closed files are all compressed');
      assert.equal(readJsonl(dir).audit.length, 30);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rotates by age', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rampart-jsonl-'));
    try {
      const sink = jsonlSink({ dir, maxAgeMs: 1, gzip: false });
      const chain = new AuditChain('inst-age');
      await sink.write(makeBatch(chain, 1));
      await new Promise((r) => setTimeout(r, 5));
      await sink.write(makeBatch(chain, 1));
      await sink.close();
      assert.equal(readdirSync(dir).filter((f) => f.startsWith('audit-')).length, 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('s3 sink against s3rver', () => {
  let server: S3rver;
  let endpoint = '';
  const dir = mkdtempSync(join(tmpdir(), 'rampart-s3rver-'));
  const client = () =>
    new S3Client({
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
  before(async () => {
    server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: 'records' }] });
    const { port } = await server.run();
    endpoint = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  let n = 0;
  sinkConformance('s3', async () => {
    const prefix = `run${n++}`;
    const c = client();
    return {
      sink: s3Sink({ bucket: 'records', prefix, client: { endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } } }),
      async read() {
        const out = { invocations: [] as string[], audit: [] as string[] };
        const list = await c.send(new ListObjectsV2Command({ Bucket: 'records', Prefix: `${prefix}/` }));
        const keys = (list.Contents ?? []).map((o) => o.Key!).sort();
        for (const key of keys) {
          assert.match(key, /^run\d+\/(audit|invocations)\/year=\d{4}\/month=\d\d\/day=\d\d\/hour=\d\d\/inst-[^/]+-\d{12}-\d{12}\.jsonl\.gz$/);
          const obj = await c.send(new GetObjectCommand({ Bucket: 'records', Key: key }));
          const bytes = Buffer.from(await obj.Body!.transformToByteArray());
          // s3rver may hand back the stored gzip bytes or decode them; accept both.
          const text = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
          (key.includes('/audit/') ? out.audit : out.invocations).push(...text.split('\n').filter(Boolean));
        }
        return out;
      },
      cleanup: async () => c.destroy(),
    };
  });
});
