import type { Store } from '../store/types.js';
import { createKey, keyView, KeyPolicyError, listKeys, parseDuration, revokeKey, rotateKey, type Creator } from '../identity/apikeys.js';
import { flagString, parseArgs, UsageError } from './args.js';

/**
 * `rampart keys create|list|revoke|rotate`. The local CLI has the database in hand, so it acts as an
 * administrator (createdBy "cli"); the admin API uses the same functions with a scoped creator.
 */

export interface KeysIo {
  out?: (s: string) => void;
  err?: (s: string) => void;
  now?: () => Date;
}

const USAGE = `usage:
  rampart keys create --name N [--roles a,b] [--team T] [--app A] [--networks cidr,..] [--expires 30d] [--owner O] [--json]
  rampart keys list [--all] [--json]
  rampart keys revoke ID
  rampart keys rotate ID [--grace 24h] [--json]`;

const CLI: Creator = { id: 'cli', roles: [], scope: 'admin' };

const list = (s: string | undefined) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : []);


export async function keysCommand(argv: string[], deps: { store: Store } & KeysIo): Promise<number> {
  const out = deps.out ?? ((s: string) => void process.stdout.write(s));
  const err = deps.err ?? ((s: string) => void process.stderr.write(s));
  const now = deps.now ?? (() => new Date());
  const [sub, ...rest] = argv;
  const args = parseArgs(rest, ['json', 'all']);
  const json = args.flags.has('json');
  try {
    switch (sub) {
      case 'create': {
        const name = flagString(args, 'name');
        if (!name) throw new UsageError(`keys create: --name is required\n${USAGE}`);
        const expires = flagString(args, 'expires');
        const t = now();
        const { key, record } = await createKey(
          deps.store,
          {
            name,
            owner: flagString(args, 'owner'),
            roles: list(flagString(args, 'roles')),
            team: flagString(args, 'team'),
            application: flagString(args, 'app'),
            allowedNetworks: list(flagString(args, 'networks')),
            expiresAt: expires ? new Date(t.getTime() + parseDuration(expires)) : undefined,
          },
          CLI,
          t,
        );
        if (json) out(`${JSON.stringify({ key, ...keyView(record) })}\n`);
        else out(`${key}\n\nid ${record.id}  roles ${record.roles.join(',') || '-'}\nThis key is shown once; store it now.\n`);
        return 0;
      }
      case 'list': {
        const keys = await listKeys(deps.store, CLI, { includeRevoked: args.flags.has('all') });
        if (json) out(`${JSON.stringify(keys.map((k) => keyView(k)))}\n`);
        else {
          const t = now();
          for (const k of keys) {
            const state = k.revokedAt ? 'revoked' : k.expiresAt && k.expiresAt <= t ? 'expired' : k.graceUntil ? (k.graceUntil <= t ? 'rotated-out' : 'rotating') : 'active';
            out(`${k.id}\t${k.prefix}…\t${k.name}\t${k.roles.join(',') || '-'}\t${k.application ?? '-'}\t${state}\n`);
          }
        }
        return 0;
      }
      case 'revoke': {
        const id = args.positionals[0];
        if (!id) throw new UsageError(`keys revoke: ID is required\n${USAGE}`);
        await revokeKey(deps.store, id, CLI, now());
        out(`revoked ${id}\n`);
        return 0;
      }
      case 'rotate': {
        const id = args.positionals[0];
        if (!id) throw new UsageError(`keys rotate: ID is required\n${USAGE}`);
        const grace = parseDuration(flagString(args, 'grace') ?? '24h');
        const t = now();
        const { key, record } = await rotateKey(deps.store, id, CLI, grace, t);
        const until = new Date(t.getTime() + grace).toISOString();
        if (json) out(`${JSON.stringify({ key, ...keyView(record), replaces: id, oldKeyValidUntil: until })}\n`);
        else out(`${key}\n\nid ${record.id} replaces ${id}; the old key works until ${until}.\nThis key is shown once; store it now.\n`);
        return 0;
      }
      default:
        throw new UsageError(USAGE);
    }
  } catch (e) {
    if (e instanceof KeyPolicyError) {
      err(`rampart keys: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
