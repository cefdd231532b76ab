/**
 * The one behaviour suite every records sink passes. `make` returns a fresh sink and a reader that lists what the
 * destination holds (record bodies per kind, in the order written). Call from a *.test.ts file:
 *
 *   sinkConformance('jsonl', async () => { ...; return { sink, read, cleanup }; });
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuditChain } from '../audit.js';
import { buildInvocation } from '../invocation.js';
import { fakeContext } from '../testing.js';
import type { RecordBatch, Sink } from '../types.js';

export interface SinkUnderTest {
  sink: Sink;
  /** Bodies stored so far; readable after close (files are flushed and compressed by then). */
  read(): Promise<{ invocations: string[]; audit: string[] }>;
  cleanup(): Promise<void>;
}

export function makeBatch(chain: AuditChain, n: number): RecordBatch {
  const batch: RecordBatch = { invocations: [], audit: [] };
  for (let i = 0; i < n; i++) {
    const ctx = fakeContext();
    const inv = buildInvocation(ctx, { instanceId: chain.instanceId, content: { policy: 'full', maxPayloadChars: 1 << 16 } }, ctx.finishedAt!).row;
    batch.invocations.push(inv);
    batch.audit.push(chain.seal({ eventName: 'InvokeModel', eventSource: 'rampart.data', eventTime: ctx.startedAt, requestId: ctx.requestId, readOnly: false, invocationHash: inv.hash }));
  }
  return batch;
}

const unique = (xs: string[]) => [...new Set(xs)];

export function sinkConformance(name: string, make: () => Promise<SinkUnderTest>): void {
  describe(`records sink conformance: ${name}`, () => {
    it('stores every record of several batches, in order, byte for byte', async () => {
      const t = await make();
      try {
        const chain = new AuditChain(`inst-${name}`);
        const b1 = makeBatch(chain, 25);
        const b2 = makeBatch(chain, 3);
        await t.sink.write(b1);
        await t.sink.write(b2);
        await t.sink.close();
        const got = await t.read();
        assert.deepEqual(got.audit, [...b1.audit, ...b2.audit].map((r) => r.body));
        // Invocation records are keyed by request id, not ordered; the audit chain is what must keep its order.
        assert.deepEqual([...got.invocations].sort(), [...b1.invocations, ...b2.invocations].map((r) => r.body).sort());
      } finally {
        await t.cleanup();
      }
    });

    it('accepts an audit-only batch (admin events) and an empty one', async () => {
      const t = await make();
      try {
        const chain = new AuditChain(`inst-${name}-admin`);
        const ev = chain.seal({ eventName: 'ManageKeys', eventSource: 'rampart.admin', eventTime: new Date(), requestId: 'req_admin', readOnly: false });
        await t.sink.write({ invocations: [], audit: [ev] });
        await t.sink.write({ invocations: [], audit: [] });
        await t.sink.close();
        const got = await t.read();
        assert.deepEqual(got.audit, [ev.body]);
        assert.deepEqual(got.invocations, []);
      } finally {
        await t.cleanup();
      }
    });

    it('loses nothing when a batch is delivered again (a replayed spool)', async () => {
      const t = await make();
      try {
        const chain = new AuditChain(`inst-${name}-replay`);
        const b = makeBatch(chain, 10);
        await t.sink.write(b);
        await t.sink.write(b);
        await t.sink.close();
        const got = await t.read();
        // At least once: duplicates are allowed (readers dedupe by hash), gaps are not.
        assert.deepEqual(unique(got.audit), b.audit.map((r) => r.body));
        assert.deepEqual(unique(got.invocations).sort(), b.invocations.map((r) => r.body).sort());
      } finally {
        await t.cleanup();
      }
    });
  });
}
