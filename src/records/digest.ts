/**
 * Periodic signed digests over the audit chains, after CloudTrail's digest files: each digest lists, per instance,
 * the range of events since the previous digest, its count and the hash of its last event (which, the chain being
 * linked, commits to every event before it), names the previous digest's signature, and is signed with Ed25519.
 * A digest is written every interval even when nothing happened, so a missing one is itself evidence.
 * One writer at a time across instances (store lock); a lost race is harmless (the digest seq is unique).
 */
import type { RecordsStore, DigestRow } from '../store/records-types.js';
import { StoreConflictError } from '../store/types.js';
import { canonicalJson } from './canonical.js';
import type { Signer } from './signing.js';

export interface DigestInstance {
  instanceId: string;
  /** First seq covered by this digest (lastSeq + 1 of the previous one). */
  firstSeq: number;
  lastSeq: number;
  count: number;
  /** Hash of the event at lastSeq (or the previous digest's, when count is 0). */
  lastHash: string;
}

export interface DigestBody {
  digestSeq: number;
  digestTime: string;
  intervalMs: number;
  keyFingerprint: string;
  previousSignature: string | null;
  instances: DigestInstance[];
}

export const DIGEST_LOCK = 'audit-digest';

export async function writeDigest(
  records: RecordsStore,
  signer: Signer,
  opts: { intervalMs: number; now?: Date },
): Promise<DigestRow | undefined> {
  return records.withLock(DIGEST_LOCK, async () => {
    const digests = await records.listDigests();
    const prev = digests.at(-1);
    const covered = new Map<string, DigestInstance>();
    for (const d of digests) {
      for (const i of (JSON.parse(d.body) as DigestBody).instances) covered.set(i.instanceId, i);
    }
    const heads = await records.auditHeads();
    const instances: DigestInstance[] = [];
    const seen = new Set<string>();
    for (const h of heads) {
      seen.add(h.instanceId);
      const before = covered.get(h.instanceId);
      const from = before ? before.lastSeq : 0;
      // A head behind the previous digest means events were removed; never sign the shorter chain.
      if (h.lastSeq < from) {
        instances.push({ ...before!, firstSeq: before!.lastSeq + 1, count: 0 });
        continue;
      }
      instances.push({
        instanceId: h.instanceId,
        firstSeq: from + 1,
        lastSeq: h.lastSeq,
        count: h.lastSeq - from,
        lastHash: h.lastSeq === from && before ? before.lastHash : h.lastHash,
      });
    }
    // Instances whose events retention removed entirely keep their last known head.
    for (const [id, c] of covered) if (!seen.has(id)) instances.push({ ...c, firstSeq: c.lastSeq + 1, count: 0 });
    instances.sort((a, b) => (a.instanceId < b.instanceId ? -1 : 1));
    const now = opts.now ?? new Date();
    const body: DigestBody = {
      digestSeq: (prev?.seq ?? 0) + 1,
      digestTime: now.toISOString(),
      intervalMs: opts.intervalMs,
      keyFingerprint: signer.fingerprint,
      previousSignature: prev?.signature ?? null,
      instances,
    };
    const text = canonicalJson(body);
    const row: DigestRow = {
      seq: body.digestSeq,
      time: now,
      keyFingerprint: signer.fingerprint,
      body: text,
      signature: signer.sign(text),
    };
    try {
      await records.appendDigest(row);
    } catch (err) {
      if (err instanceof StoreConflictError) return undefined;
      throw err;
    }
    return row;
  });
}

/** Writes a digest every interval (also when idle); errors are reported, never thrown into the request path. */
export class DigestWriter {
  private timer: NodeJS.Timeout | undefined;
  written = 0;
  failures = 0;

  constructor(
    private readonly records: RecordsStore,
    private readonly signer: Signer,
    private readonly intervalMs: number,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.writeNow(), this.intervalMs);
    this.timer.unref();
  }

  async writeNow(now?: Date): Promise<DigestRow | undefined> {
    try {
      const row = await writeDigest(this.records, this.signer, { intervalMs: this.intervalMs, now });
      if (row) this.written++;
      return row;
    } catch (err) {
      this.failures++;
      this.onError(err);
      return undefined;
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
