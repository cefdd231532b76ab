/** Delivery with two batches in flight: per-sink order, overlap only for concurrent sinks, acknowledgement in seq order. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Recorder } from './recorder.js';
import { readSpool } from './spool.js';
import { fakeContext } from './testing.js';
import type { RecordBatch, Sink } from './types.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const spoolDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'rampart-delivery-'));
  dirs.push(d);
  return d;
};

/** A sink whose writes wait until the test releases them, recording what it saw and how many overlapped. */
function gatedSink(name: string, concurrent: boolean) {
  const pending: Array<{ batch: RecordBatch; release: (err?: Error) => void }> = [];
  const seen: number[][] = [];
  let active = 0;
  let maxActive = 0;
  const sink: Sink = {
    name,
    concurrent,
    write(batch) {
      active++;
      maxActive = Math.max(maxActive, active);
      seen.push(batch.audit.map((a) => a.seq));
      return new Promise<void>((resolve, reject) => {
        pending.push({ batch, release: (err) => { active--; if (err) reject(err); else resolve(); } });
      });
    },
    close: async () => {},
  };
  return { sink, pending, seen, maxActive: () => maxActive };
}

const tick = () => new Promise<void>((r) => setTimeout(r, 5));
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !cond(); i++) await tick();
  assert.ok(cond(), 'condition not reached');
}

describe('records delivery', () => {
  it('keeps two batches in flight for a concurrent sink and acknowledges them in seq order', async () => {
    const dir = spoolDir();
    const g = gatedSink('store', true);
    const rec = await Recorder.create({ spoolDir: dir, sinks: [g.sink], batchSize: 2, flushMs: 1 });
    for (let i = 0; i < 4; i++) rec.record(fakeContext({ requestId: `r${i}` }));
    await until(() => g.pending.length === 2);
    assert.equal(g.maxActive(), 2);
    // The second batch lands first: nothing is acknowledged until the first one has.
    g.pending[1].release();
    await tick();
    assert.equal(rec.stats().delivered, 0);
    g.pending[0].release();
    await until(() => rec.stats().delivered === 4);
    await rec.flush(1000);
    await rec.close();
    assert.equal(readSpool(dir).entries.length, 0, 'every entry acknowledged');
  });

  it('gives batches one at a time, in order, when a sink is not concurrent, and retries a failed batch first', async () => {
    const dir = spoolDir();
    const store = gatedSink('store', true);
    const files = gatedSink('files', false);
    const rec = await Recorder.create({ spoolDir: dir, sinks: [files.sink, store.sink], batchSize: 2, flushMs: 1, retryMs: 5 });
    for (let i = 0; i < 4; i++) rec.record(fakeContext({ requestId: `r${i}` }));
    await until(() => files.pending.length === 1);
    await tick();
    assert.equal(files.pending.length, 1, 'the second batch waits for the first');
    files.pending.shift()!.release(new Error('disk hiccup'));
    // The other sink still gets the batch; then the failed sink gets it again, before the next batch.
    await until(() => store.pending.length === 1);
    store.pending.shift()!.release();
    await until(() => files.pending.length === 1);
    assert.deepEqual(files.seen[1], files.seen[0]);
    files.pending.shift()!.release();
    await until(() => files.pending.length === 1);
    assert.ok(files.seen[2][0] > files.seen[1][1], 'then the next batch, in seq order');
    files.pending.shift()!.release();
    await until(() => store.pending.length === 1);
    store.pending.shift()!.release();
    await until(() => rec.stats().delivered === 4);
    assert.deepEqual(store.seen, [files.seen[0], files.seen[2]], 'the sink that took the batch is not written twice');
    assert.equal(files.maxActive(), 1);
    assert.equal(store.maxActive(), 1, 'one non-concurrent sink holds the whole recorder to one batch in flight');
    await rec.close();
  });
});
