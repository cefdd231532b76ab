/**
 * Child process for crash.test.ts: records calls as fast as it can and prints "ack <requestId>" only after
 * beforeLastByte resolved (the point where a gateway would send the last byte), and "open <requestId>" for streams
 * it starts and never finishes. The parent kills it with SIGKILL mid-load.
 */
import { openStore } from '../store/index.js';
import { Recorder } from './recorder.js';
import { storeSink } from './sinks/store.js';
import { fakeContext } from './testing.js';

const [spoolDir, dbPath] = process.argv.slice(2);
const store = await openStore({ kind: 'sqlite', path: dbPath });
// Slow delivery so that many acknowledged records exist only in the spool when the kill comes.
const rec = await Recorder.create({ spoolDir, sinks: [storeSink(store.records)], store: store.records, flushMs: 200, batchSize: 50 });

async function worker(w: number): Promise<void> {
  for (let i = 0; ; i++) {
    const ctx = fakeContext();
    if (i % 40 === 7) {
      const stream = fakeContext({ action: 'InvokeModelWithResponseStream', chat: { ...ctx.chat!, stream: true }, response: undefined });
      await rec.streamStarted(stream);
      process.stdout.write(`open ${stream.requestId}\n`);
      continue;
    }
    await rec.beforeLastByte(ctx);
    rec.record(ctx);
    process.stdout.write(`ack ${ctx.requestId} ${w}\n`);
  }
}
await Promise.all([0, 1, 2, 3, 4, 5].map(worker));
