/**
 * Verifies the audit trail: every digest's signature against trusted keys and its link to the previous digest,
 * no digest missing (by seq, by chain, and by age against the interval), and every instance's event chain: each
 * body hashes to its stored hash, names its own seq and the previous event's hash, seqs are contiguous, and the
 * chain passes through each digest's recorded head. Problems are named with what and where.
 *
 * The hot loop checks the chain prefix of the body as a string (no JSON parse) and hashes the stored text, which
 * keeps verification well above 100,000 events/s.
 */
import type { RecordsStore } from '../store/records-types.js';
import { GENESIS_HASH, sha256Hex } from './canonical.js';
import { chainPrefix } from './audit.js';
import type { DigestBody } from './digest.js';
import type { TrustedKeys } from './signing.js';
import type { AuditEvent } from './types.js';

export type ProblemKind =
  | 'edited'
  | 'deleted'
  | 'inserted'
  | 'reordered'
  | 'truncated'
  | 'missing_digest'
  | 'bad_signature'
  | 'untrusted_key'
  | 'retention_gap';

export interface VerifyProblem {
  kind: ProblemKind;
  instanceId?: string;
  seq?: number;
  digestSeq?: number;
  message: string;
}

export interface VerifyReport {
  ok: boolean;
  events: number;
  digests: number;
  instances: number;
  /** Events after the newest digest, per instance: valid so far, but not yet signed. */
  unsignedTail: Record<string, number>;
  problems: VerifyProblem[];
  elapsedMs: number;
}

export interface VerifyOptions {
  /** When given, the newest digest must be younger than twice its interval at this time. */
  now?: Date;
  pageSize?: number;
  /** Stop collecting after this many problems (the report says so). */
  maxProblems?: number;
}

const RETENTION_EVENT = 'ApplyRetention';

interface Checkpoint {
  hash: string;
  digestSeq: number;
}

export async function verifyAudit(
  records: RecordsStore,
  trusted: TrustedKeys,
  opts: VerifyOptions = {},
): Promise<VerifyReport> {
  const t0 = performance.now();
  const problems: VerifyProblem[] = [];
  const max = opts.maxProblems ?? 1000;
  const report = (p: VerifyProblem) => {
    if (problems.length < max) problems.push(p);
  };

  // ---- digests ----
  const digests = await records.listDigests();
  const checkpoints = new Map<string, Map<number, Checkpoint>>();
  const signedThrough = new Map<string, number>();
  let prevSig: string | null = null;
  let expectedSeq = digests[0]?.seq ?? 1;
  if (digests.length && digests[0].seq !== 1) {
    report({ kind: 'missing_digest', digestSeq: 1, message: `digests 1..${digests[0].seq - 1} are missing` });
  }
  for (const d of digests) {
    if (d.seq !== expectedSeq) {
      report({ kind: 'missing_digest', digestSeq: expectedSeq, message: `digests ${expectedSeq}..${d.seq - 1} are missing` });
    } else if (d.seq !== digests[0].seq) {
      const body = safeParse(d.body);
      if (body && body.previousSignature !== prevSig) {
        report({ kind: 'missing_digest', digestSeq: d.seq, message: `digest ${d.seq} does not chain to digest ${d.seq - 1}'s signature` });
      }
    }
    expectedSeq = d.seq + 1;
    prevSig = d.signature;
    if (!trusted.has(d.keyFingerprint)) {
      report({ kind: 'untrusted_key', digestSeq: d.seq, message: `digest ${d.seq} is signed by untrusted key ${d.keyFingerprint}` });
      continue;
    }
    if (!trusted.verify(d.keyFingerprint, d.body, d.signature)) {
      report({ kind: 'bad_signature', digestSeq: d.seq, message: `digest ${d.seq} has an invalid signature (edited digest)` });
      continue;
    }
    const body = safeParse(d.body);
    if (!body || body.digestSeq !== d.seq) {
      report({ kind: 'bad_signature', digestSeq: d.seq, message: `digest ${d.seq} body does not match its row` });
      continue;
    }
    for (const i of body.instances) {
      if (i.count === 0 && i.lastSeq === 0) continue;
      let m = checkpoints.get(i.instanceId);
      if (!m) checkpoints.set(i.instanceId, (m = new Map()));
      m.set(i.lastSeq, { hash: i.lastHash, digestSeq: d.seq });
      signedThrough.set(i.instanceId, Math.max(signedThrough.get(i.instanceId) ?? 0, i.lastSeq));
    }
  }
  const last = digests.at(-1);
  if (opts.now && last) {
    const interval = safeParse(last.body)?.intervalMs ?? 0;
    if (interval > 0 && opts.now.getTime() - last.time.getTime() > 2 * interval) {
      report({
        kind: 'missing_digest',
        digestSeq: last.seq + 1,
        message: `no digest since ${last.time.toISOString()} (digest ${last.seq}); one is due every ${interval} ms`,
      });
    }
  }

  // ---- events, per instance ----
  const heads = await records.auditHeads();
  const instances = new Set([...heads.map((h) => h.instanceId), ...checkpoints.keys()]);
  const retained = new Map<string, number>();
  const firstSeen = new Map<string, { seq: number; prevHash: string }>();
  const unsignedTail: Record<string, number> = {};
  const pageSize = opts.pageSize ?? 10_000;
  let events = 0;

  for (const instanceId of instances) {
    const cps = checkpoints.get(instanceId) ?? new Map<number, Checkpoint>();
    let prevSeq = 0;
    let prevHash = GENESIS_HASH;
    let offset = 0; // rows shifted by an insertion or a renumbering: report once, then follow
    let after = 0;
    let maxSeq = 0;
    let afterSwap: string | undefined; // after two swapped events, the next one links to the first row's hash
    // chainPrefix(instanceId, prevHash, seq), checked piecewise so no string is built per event.
    const head = chainPrefix(instanceId, '', 0).split('"prevHash":"')[0] + '"prevHash":"';
    let page: Array<[number, string, string, string]>;
    do {
      page = await records.readChain(instanceId, after, pageSize);
      for (let k = 0; k < page.length; k++) {
        const [seq, hash, body, eventName] = page[k];
        events++;
        if (prevSeq === 0) {
          firstSeen.set(instanceId, { seq, prevHash: prevHashOf(body) });
          if (seq !== 1) prevHash = prevHashOf(body); // checked against retention below
        } else if (seq !== prevSeq + 1) {
          report({ kind: 'deleted', instanceId, seq: prevSeq + 1, message: `${instanceId}: ${range(prevSeq + 1, seq - 1)} deleted` });
          prevHash = prevHashOf(body);
        }
        const computed = sha256Hex(body);
        if (computed !== hash) {
          report({ kind: 'edited', instanceId, seq, message: `${instanceId}: event ${seq} was edited (its body no longer matches its hash)` });
        } else if (afterSwap !== undefined) {
          // second row of a reported swap: not checked again
        } else if (
          !body.startsWith(head) ||
          !body.startsWith(prevHash, head.length) ||
          !body.startsWith(`","seq":${seq - offset}},`, head.length + 64)
        ) {
          const verdict = diagnose(page, k, offset, instanceId, report);
          if (verdict.offset !== undefined) offset = verdict.offset;
          if (verdict.swapped) {
            afterSwap = hash;
            prevSeq = seq;
            prevHash = hash;
            maxSeq = seq;
            continue;
          }
        }
        if (eventName === RETENTION_EVENT) noteRetention(body, retained);
        const cp = cps.get(seq);
        if (cp && cp.hash !== hash) {
          report({ kind: 'edited', instanceId, seq, message: `${instanceId}: the chain up to event ${seq} was rewritten (digest ${cp.digestSeq} recorded another head)` });
        }
        prevSeq = seq;
        prevHash = afterSwap ?? hash;
        afterSwap = undefined;
        maxSeq = seq;
      }
      after = prevSeq;
    } while (page.length === pageSize);

    const signed = signedThrough.get(instanceId) ?? 0;
    if (signed > maxSeq) {
      report({ kind: 'truncated', instanceId, seq: maxSeq + 1, message: `${instanceId}: truncated: digests cover events through ${signed} but the trail ends at ${maxSeq}` });
    } else if (maxSeq > signed) unsignedTail[instanceId] = maxSeq - signed;
  }

  // ---- a missing prefix must be a recorded retention that ends on a digest boundary ----
  for (const [instanceId, first] of firstSeen) {
    if (first.seq === 1) continue;
    const through = first.seq - 1;
    const cp = checkpoints.get(instanceId)?.get(through);
    if ((retained.get(instanceId) ?? 0) < through) {
      report({ kind: 'deleted', instanceId, seq: 1, message: `${instanceId}: events 1..${through} are missing and no retention event records their deletion` });
    } else if (!cp || cp.hash !== first.prevHash) {
      report({ kind: 'retention_gap', instanceId, seq: first.seq, message: `${instanceId}: event ${first.seq} does not link to the signed head of the retained range` });
    }
  }

  return {
    ok: problems.length === 0,
    events,
    digests: digests.length,
    instances: instances.size,
    unsignedTail,
    problems,
    elapsedMs: Math.round(performance.now() - t0),
  };
}

/** Names a chain break: the body's own seq tells a moved event from an inserted or a replaced one. */
function diagnose(
  page: Array<[number, string, string, string]>,
  k: number,
  offset: number,
  instanceId: string,
  report: (p: VerifyProblem) => void,
): { offset?: number; swapped?: boolean } {
  const row = { seq: page[k][0], body: page[k][2] };
  const ev = safeParseEvent(row.body);
  const bodySeq = ev?._chain?.seq;
  if (!ev || bodySeq === undefined || ev._chain.instanceId !== instanceId) {
    report({ kind: 'inserted', instanceId, seq: row.seq, message: `${instanceId}: event ${row.seq} does not belong to this chain (inserted)` });
    return {};
  }
  if (bodySeq === row.seq - offset) {
    report({ kind: 'inserted', instanceId, seq: row.seq, message: `${instanceId}: event ${row.seq} does not link to event ${row.seq - 1} (inserted or replaced)` });
    return {};
  }
  const next = page[k + 1];
  const nextSeq = next ? safeParseEvent(next[2])?._chain?.seq : undefined;
  if (bodySeq === row.seq + 1 - offset && nextSeq === row.seq - offset) {
    report({ kind: 'reordered', instanceId, seq: row.seq, message: `${instanceId}: events ${row.seq} and ${row.seq + 1} are out of order` });
    return { swapped: true };
  }
  const shift = row.seq - bodySeq;
  if (shift > offset) {
    const first = row.seq - (shift - offset);
    report({ kind: 'inserted', instanceId, seq: first, message: `${instanceId}: ${range(first, row.seq - 1)} inserted (later events were renumbered)` });
  } else {
    report({ kind: 'deleted', instanceId, seq: row.seq, message: `${instanceId}: ${offset - shift} event(s) deleted before event ${row.seq} (later events were renumbered)` });
  }
  return { offset: shift };
}

/** The prevHash a body names, read from its fixed `_chain` prefix (a hex hash is 64 characters). */
function prevHashOf(body: string): string {
  const i = body.indexOf('"prevHash":"');
  return i < 0 ? '' : body.slice(i + 12, i + 76);
}

function range(a: number, b: number): string {
  return a === b ? `event ${a}` : `events ${a}..${b}`;
}

function noteRetention(body: string, retained: Map<string, number>): void {
  const ev = safeParseEvent(body);
  const chains = (ev?.responseElements as { audit?: Array<{ instanceId: string; deletedThroughSeq: number }> } | undefined)?.audit;
  for (const c of chains ?? []) {
    if (typeof c.instanceId === 'string' && Number.isSafeInteger(c.deletedThroughSeq)) {
      retained.set(c.instanceId, Math.max(retained.get(c.instanceId) ?? 0, c.deletedThroughSeq));
    }
  }
}

function safeParse(text: string): DigestBody | undefined {
  try {
    return JSON.parse(text) as DigestBody;
  } catch {
    return undefined;
  }
}

function safeParseEvent(text: string): AuditEvent | undefined {
  try {
    return JSON.parse(text) as AuditEvent;
  } catch {
    return undefined;
  }
}
