/**
 * Faults: a sink that is down, a queue that overflows, a disk that is full. Each gives the configured behaviour
 * and counts it; nothing is lost silently.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../store/types.js';
import { Registry } from '../metrics/prom.js';
import { registerRecorderMetrics } from './metrics.js';
import { Recorder } from './recorder.js';
import { storeSink } from './sinks/store.js';
import { sqliteKit } from './test-stores.js';
import { fakeContext } from './testing.js';
import type { RecordBatch, Sink } from './types.js';

const kit = sqliteKit();
let store: Store;
const dirs: string[] = [];
const spoolDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'rampart-spool-'));
  dirs.push(d);
  return d;
};
before(async () => {
  store = await kit.open();
});
after(async () => {
  await store.close();
  await kit.cleanup();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A real store sink whose store can be swapped: a closed store fails as a dead database would. */
function switchable(initial: Store): Sink & { target: Store } {
  const s = {
    name: 'switchable',
    target: initial,
    write: (b: RecordBatch) => storeSink(s.target.records).write(b),
    close: async () => {},
  };
  return s;
}

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
}

async function seqsOf(instanceId: string): Promise<number[]> {
  return (await store.records.readAudit(instanceId, 0, 100_000)).map((r) => r.seq);
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('records under faults', () => {
  it('retries a sink that is down, counts its errors, and delivers everything in order once it is back', async () => {
    const dead = await kit.open();
    await dead.close();
    const sink = switchable(dead);
    const rec = await Recorder.create({ spoolDir: spoolDir(), sinks: [sink], retryMs: 5, flushMs: 1, batchSize: 7 });
    for (let i = 0; i < 50; i++) rec.record(fakeContext());
    await until(() => (rec.stats().sinkErrors.switchable ?? 0) >= 2);
    assert.equal(rec.stats().healthy, false);
    sink.target = store;
    await rec.flush();
    const s = rec.stats();
    assert.equal(s.delivered, 50);
    assert.equal(s.dropped, 0);
    assert.ok(s.sinkErrors.switchable >= 2);
    assert.equal(s.healthy, true);
    assert.deepEqual(await seqsOf(rec.instanceId), range(50));
    const registry = new Registry();
    registerRecorderMetrics(registry, rec);
    const text = await registry.metrics();
    assert.match(text, /rampart_records_delivered 50/);
    assert.match(text, /rampart_records_dropped 0/);
    assert.match(text, /rampart_records_sink_errors\{sink="switchable"\} [1-9]/);
    await rec.close();
  });

  it('keeps undelivered records in the spool across a shutdown and replays them at the next start', async () => {
    const dir = spoolDir();
    const dead = await kit.open();
    await dead.close();
    const rec = await Recorder.create({ spoolDir: dir, sinks: [switchable(dead)], retryMs: 60_000, flushMs: 1 });
    for (let i = 0; i < 30; i++) rec.record(fakeContext());
    await rec.close(100);
    assert.deepEqual(await seqsOf(rec.instanceId), []);
    const again = await Recorder.create({ spoolDir: dir, sinks: [storeSink(store.records)], store: store.records, flushMs: 1 });
    assert.equal(again.instanceId, rec.instanceId, 'the instance id is kept in the spool directory');
    assert.equal(again.stats().replayed, 30);
    again.record(fakeContext());
    await again.flush();
    assert.deepEqual(await seqsOf(rec.instanceId), range(31), 'the chain continues after the replayed entries');
    await again.close();
  });

  it("overflow 'spool': past maxQueue entries wait on disk, then all arrive in order", async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const inner = storeSink(store.records);
    const gated: Sink = { name: 'gated', write: async (b) => (await gate, inner.write(b)), close: async () => {} };
    const rec = await Recorder.create({ spoolDir: spoolDir(), sinks: [gated], maxQueue: 10, batchSize: 5, flushMs: 1 });
    for (let i = 0; i < 200; i++) rec.record(fakeContext());
    assert.ok(rec.stats().spilled > 100, `spilled ${rec.stats().spilled}`);
    assert.ok(rec.stats().queued <= 10);
    open();
    await rec.flush();
    assert.equal(rec.stats().delivered, 200);
    assert.equal(rec.stats().dropped, 0);
    assert.deepEqual(await seqsOf(rec.instanceId), range(200));
    await rec.close();
  });

  it('a spool that cannot be re-read is reported and retried, not an unhandled rejection', async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const inner = storeSink(store.records);
    const gated: Sink = { name: 'gated', write: async (b) => (await gate, inner.write(b)), close: async () => {} };
    const dir = spoolDir();
    const errors: string[] = [];
    const rec = await Recorder.create({
      spoolDir: dir, sinks: [gated], maxQueue: 10, batchSize: 5, flushMs: 1, retryMs: 20,
      onError: (m) => errors.push(m),
    });
    for (let i = 0; i < 100; i++) rec.record(fakeContext());
    assert.ok(rec.stats().spilled > 50);
    // The spilled entries' directory is replaced by a file: re-reading them fails (the open segment's fd still works).
    renameSync(dir, `${dir}.moved`);
    writeFileSync(dir, 'not a directory');
    open();
    await until(() => errors.some((m) => /records delivery failed/.test(m)));
    rmSync(dir);
    renameSync(`${dir}.moved`, dir);
    await rec.flush();
    assert.equal(rec.stats().delivered, 100);
    assert.deepEqual(await seqsOf(rec.instanceId), range(100));
    await rec.close();
  });

  it("overflow 'drop_newest': drops are counted", async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const inner = storeSink(store.records);
    const gated: Sink = { name: 'gated', write: async (b) => (await gate, inner.write(b)), close: async () => {} };
    const rec = await Recorder.create({
      spoolDir: spoolDir(), sinks: [gated], maxQueue: 10, batchSize: 5, flushMs: 1, overflow: 'drop_newest',
    });
    for (let i = 0; i < 100; i++) rec.record(fakeContext());
    open();
    await rec.flush();
    const s = rec.stats();
    assert.ok(s.dropped > 0);
    assert.equal(s.delivered + s.dropped, 100);
    await rec.close();
  });

  it('rotates spool segments, deletes acknowledged ones, and replays across segments', async () => {
    const dir = spoolDir();
    const dead = await kit.open();
    await dead.close();
    const sink = switchable(store);
    const rec = await Recorder.create({ spoolDir: dir, sinks: [sink], segmentBytes: 4096, flushMs: 1, retryMs: 60_000 });
    for (let i = 0; i < 40; i++) await rec.beforeLastByte(fakeContext());
    await rec.flush();
    const segs = () => readdirSync(dir).filter((f) => f.startsWith('spool-'));
    sink.target = dead;
    for (let i = 0; i < 40; i++) await rec.beforeLastByte(fakeContext());
    await rec.close(50);
    assert.ok(segs().length > 2, `undelivered entries span several segments: ${segs().join(' ')}`);
    assert.ok(!segs().includes('spool-00000001.log'), 'the first, acknowledged segment was deleted');
    const again = await Recorder.create({ spoolDir: dir, sinks: [storeSink(store.records)], store: store.records, flushMs: 1 });
    assert.equal(again.stats().replayed, 40);
    await again.flush();
    assert.deepEqual(await seqsOf(rec.instanceId), range(80));
    await again.close();
  });

  it('a spool segment that cannot be started is counted and the current one keeps the records', async () => {
    const dir = spoolDir();
    // The next segment's name taken by a directory: opening it fails (EISDIR), as EMFILE would.
    mkdirSync(join(dir, 'spool-00000002.log'));
    const rec = await Recorder.create({ spoolDir: dir, sinks: [storeSink(store.records)], flushMs: 1, sync: false, segmentBytes: 1024 });
    const ctxs = Array.from({ length: 5 }, () => fakeContext());
    for (const c of ctxs) await rec.beforeLastByte(c);
    await rec.flush();
    const s = rec.stats();
    assert.ok(s.spoolRotateFailures >= 1, `rotate failures ${s.spoolRotateFailures}`);
    assert.equal(s.spoolFailures, 0);
    assert.equal(s.healthy, true);
    for (const c of ctxs) assert.ok(await store.records.getInvocation(c.requestId));
    assert.ok(statSync(join(dir, 'spool-00000001.log')).size > 5 * 1024, 'every record went to the first segment');
    const registry = new Registry();
    registerRecorderMetrics(registry, rec);
    assert.match(await registry.metrics(), /rampart_records_spool_rotate_failures [1-9]/);
    await rec.close();
  });

  /** A spool whose segment is /dev/full: every write fails with ENOSPC, as on a full disk. */
  function fullDiskDir(): string {
    const d = spoolDir();
    symlinkSync('/dev/full', join(d, 'spool-00000001.log'));
    return d;
  }

  // Both durabilities: fdatasync writes from libuv's pool, write from the event loop (writeSync throws ENOSPC).
  for (const sync of [true, false]) {
    const durability = sync ? 'fdatasync' : 'write';

    it(`full disk, 'fail_closed' (${durability}): the durability hook rejects and admit() refuses, with counters`, async () => {
      const rec = await Recorder.create({ spoolDir: fullDiskDir(), sinks: [storeSink(store.records)], flushMs: 1, sync });
      await assert.rejects(rec.beforeLastByte(fakeContext()), /could not be made durable/);
      assert.throws(() => rec.admit(), /refusing to serve unrecorded/);
      const s = rec.stats();
      assert.ok(s.spoolFailures >= 1);
      assert.ok(s.notDurable >= 1);
      assert.equal(s.healthy, false);
      await rec.close(1000);
    });

    it(`full disk, 'memory_only' (${durability}): requests go on, records still reach the sink, failures are counted`, async () => {
      const rec = await Recorder.create({
        spoolDir: fullDiskDir(), sinks: [storeSink(store.records)], flushMs: 1, diskFull: 'memory_only', sync,
      });
      const c = fakeContext();
      await rec.beforeLastByte(c);
      rec.admit();
      await rec.flush();
      assert.ok(await store.records.getInvocation(c.requestId));
      assert.ok(rec.stats().spoolFailures >= 1);
      assert.ok(rec.stats().notDurable >= 1);
      await rec.close(1000);
    });
  }
});
