/**
 * `rampart audit verify|query|digest|keygen|retention|erase`: the audit trail from the command line. The command
 * logic takes the store in `deps` (tests pass a real one); `auditMain` opens the configured store.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Store } from '../store/types.js';
import { writeDigest } from '../records/digest.js';
import { FilterError, parseFilter, parseInstant } from '../records/query.js';
import { applyRetention, eraseSubject } from '../records/retention.js';
import { TrustedKeys, generateSigningKey, loadSigner } from '../records/signing.js';
import { verifyAudit } from '../records/verify.js';
import { ERASE_TOPIC } from '../records/recorder.js';
import { parseArgs, flagString, UsageError, type ParsedArgs } from './args.js';
import { withConfiguredStore } from './with-store.js';

export interface RecordsCliDeps {
  store: Store;
  out?: (s: string) => void;
  err?: (s: string) => void;
  now?: () => Date;
}

const USAGE = `usage:
  rampart audit verify --public-key FILE|DIR[,FILE...] [--at ISO|--no-age-check] [--json]
  rampart audit query [--since 24h] [--until ISO] [--principal P] [--application A] [--action NAME]
                      [--decision allow|deny] [--error-code C] [--limit N]
  rampart audit digest --signing-key FILE [--interval 1h]
  rampart audit keygen --out DIR
  rampart audit retention [--audit-older-than 365d] [--invocations-older-than 90d]
  rampart audit erase --subject ID
Keys may also come from RAMPART_AUDIT_PUBLIC_KEYS (paths) and RAMPART_AUDIT_SIGNING_KEY (PEM).`;

const CLI_ACTOR = { id: 'cli', kind: 'user', name: 'rampart cli', authMethod: 'local', roles: ['admin'] };
const DURATION_FLAGS = new Set(['interval', 'audit-older-than', 'invocations-older-than']);

/** Separates query filters from the command's own flags. */
export function filterFlags(args: ParsedArgs, own: string[]): Map<string, string> {
  const filters = new Map<string, string>();
  for (const [k, v] of args.flags) {
    if (own.includes(k)) continue;
    if (v === true) throw new FilterError(`--${k} needs a value`);
    filters.set(k, v);
  }
  return filters;
}

function durationMs(flag: string, v: string | undefined, now: Date): number | undefined {
  if (v === undefined) return undefined;
  if (!DURATION_FLAGS.has(flag) || !/^\d+(ms|s|m|h|d|w)$/.test(v)) throw new UsageError(`--${flag}: "${v}" must be a duration such as 1h or 90d`);
  return now.getTime() - parseInstant(`--${flag}`, v, now).getTime();
}

export async function auditCommand(argv: string[], deps: RecordsCliDeps): Promise<number> {
  const out = deps.out ?? ((s) => process.stdout.write(s));
  const err = deps.err ?? ((s) => process.stderr.write(s));
  const now = deps.now?.() ?? new Date();
  const [sub, ...rest] = argv;
  const args = parseArgs(rest, ['json', 'no-age-check']);
  const records = deps.store.records;
  try {
    switch (sub) {
      case 'verify': {
        const paths = (flagString(args, 'public-key') ?? process.env.RAMPART_AUDIT_PUBLIC_KEYS ?? '').split(',').filter(Boolean);
        if (paths.length === 0) throw new UsageError('audit verify needs --public-key (the trusted Ed25519 public keys)');
        const trusted = TrustedKeys.load(paths);
        const at = flagString(args, 'at');
        const when = args.flags.has('no-age-check') ? undefined : at ? parseInstant('--at', at, now) : now;
        const report = await verifyAudit(records, trusted, { now: when });
        if (args.flags.has('json')) {
          out(`${JSON.stringify(report, null, 2)}\n`);
        } else {
          const rate = report.elapsedMs > 0 ? Math.round((report.events * 1000) / report.elapsedMs) : report.events;
          for (const p of report.problems) err(`FAIL ${p.kind}: ${p.message}\n`);
          const tail = Object.values(report.unsignedTail).reduce((a, b) => a + b, 0);
          out(
            `${report.ok ? 'OK' : 'FAILED'}: ${report.events} events in ${report.instances} chain(s), ${report.digests} digest(s)` +
              `${tail ? `, ${tail} event(s) not yet covered by a digest` : ''}; ${report.elapsedMs} ms (${rate} events/s)\n`,
          );
        }
        return report.ok ? 0 : 1;
      }
      case 'query': {
        const filter = parseFilter(filterFlags(args, ['json']), 'audit', now);
        const rows = await records.queryAudit(filter);
        out(`${JSON.stringify(rows.map((r) => ({ ...(JSON.parse(r.body) as object), hash: r.hash })), null, 2)}\n`);
        return 0;
      }
      case 'digest': {
        const signer = loadSigner({ file: flagString(args, 'signing-key'), env: 'RAMPART_AUDIT_SIGNING_KEY' });
        if (!signer) throw new UsageError('audit digest needs --signing-key FILE or RAMPART_AUDIT_SIGNING_KEY');
        const intervalMs = durationMs('interval', flagString(args, 'interval'), now) ?? 3_600_000;
        const row = await writeDigest(records, signer, { intervalMs, now });
        out(row ? `digest ${row.seq} written (key ${row.keyFingerprint})\n` : 'another instance is writing a digest; none written\n');
        return 0;
      }
      case 'keygen': {
        const dir = flagString(args, 'out');
        if (!dir) throw new UsageError('audit keygen needs --out DIR');
        const k = generateSigningKey();
        mkdirSync(dir, { recursive: true });
        const base = join(dir, `audit-signing-${k.fingerprint.slice(0, 16)}`);
        writeFileSync(`${base}.key`, k.privateKeyPem, { mode: 0o600, flag: 'wx' });
        chmodSync(`${base}.key`, 0o600);
        writeFileSync(`${base}.pub.pem`, k.publicKeyPem, { flag: 'wx' });
        out(`fingerprint ${k.fingerprint}\nprivate key ${base}.key (give only the gateway read access)\npublic key  ${base}.pub.pem (for audit verify)\n`);
        return 0;
      }
      case 'retention': {
        const a = durationMs('audit-older-than', flagString(args, 'audit-older-than'), now);
        const i = durationMs('invocations-older-than', flagString(args, 'invocations-older-than'), now);
        if (a === undefined && i === undefined) throw new UsageError('audit retention needs --audit-older-than and/or --invocations-older-than');
        const res = await applyRetention(records, {
          auditBefore: a === undefined ? undefined : new Date(now.getTime() - a),
          invocationsBefore: i === undefined ? undefined : new Date(now.getTime() - i),
          actor: CLI_ACTOR,
          requestId: `cli_${randomUUID()}`,
        });
        if (!res) {
          err('another instance is applying retention; nothing done\n');
          return 1;
        }
        out(`${JSON.stringify(res, null, 2)}\n`);
        return 0;
      }
      case 'erase': {
        const subject = flagString(args, 'subject');
        if (!subject) throw new UsageError('audit erase needs --subject ID');
        const n = await eraseSubject(records, subject, { actor: CLI_ACTOR, requestId: `cli_${randomUUID()}` });
        // Running gateways drop their cached subject keys.
        await deps.store.changes.publish(ERASE_TOPIC);
        out(`${n} key(s) destroyed; the payloads of ${subject} can no longer be read\n`);
        return 0;
      }
      default:
        err(`${USAGE}\n`);
        return 2;
    }
  } catch (e) {
    if (e instanceof FilterError || e instanceof UsageError) {
      err(`rampart audit ${sub}: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

/** `rampart audit ...` against the store of the config (--config FILE or RAMPART_CONFIG). */
export async function auditMain(argv: string[]): Promise<number> {
  return withConfiguredStore(argv, (rest, store) => auditCommand(rest, { store }));
}
