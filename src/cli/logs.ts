/**
 * `rampart logs query`: invocation records as JSON, filtered. Encrypted payloads stay sealed unless --decrypt is
 * given with the keyring (--keys-file or RAMPART_RECORDS_KEYS); an erased subject's payloads read as {erased:true}.
 */
import { Keyring } from '../records/crypto.js';
import { openPayloads } from '../records/payloads.js';
import { FilterError, parseFilter } from '../records/query.js';
import type { InvocationRecord } from '../records/types.js';
import { filterFlags, type RecordsCliDeps } from './audit.js';
import { withConfiguredStore } from './with-store.js';
import { parseArgs, flagString, UsageError } from './args.js';

const USAGE = `usage:
  rampart logs query [--since 24h] [--until ISO] [--principal P] [--application A] [--model M] [--action NAME]
                     [--decision allow|deny] [--guardrail-action NONE|INTERVENED|ANONYMIZED] [--error-code C]
                     [--limit N] [--decrypt [--keys-file FILE]]`;

export async function logsCommand(argv: string[], deps: RecordsCliDeps): Promise<number> {
  const out = deps.out ?? ((s) => process.stdout.write(s));
  const err = deps.err ?? ((s) => process.stderr.write(s));
  const now = deps.now?.() ?? new Date();
  const [sub, ...rest] = argv;
  if (sub !== 'query') {
    err(`${USAGE}\n`);
    return 2;
  }
  try {
    const args = parseArgs(rest, ['decrypt', 'json']);
    const filter = parseFilter(filterFlags(args, ['decrypt', 'json', 'keys-file']), 'invocation', now);
    let keyring: Keyring | undefined;
    if (args.flags.has('decrypt')) {
      keyring = Keyring.load({ file: flagString(args, 'keys-file'), env: 'RAMPART_RECORDS_KEYS' });
      if (!keyring) throw new UsageError('--decrypt needs --keys-file FILE or RAMPART_RECORDS_KEYS');
    }
    const rows = await deps.store.records.queryInvocations(filter);
    const records = [];
    for (const r of rows) {
      let rec = JSON.parse(r.body) as InvocationRecord;
      if (keyring) rec = await openPayloads(rec, keyring, deps.store.records);
      records.push({ ...rec, hash: r.hash });
    }
    out(`${JSON.stringify(records, null, 2)}\n`);
    return 0;
  } catch (e) {
    if (e instanceof FilterError || e instanceof UsageError) {
      err(`rampart logs query: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

/** `rampart logs ...` against the store of the config (--config FILE or RAMPART_CONFIG). */
export async function logsMain(argv: string[]): Promise<number> {
  return withConfiguredStore(argv, (rest, store) => logsCommand(rest, { store }));
}
