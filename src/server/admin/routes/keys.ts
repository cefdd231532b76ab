import { z } from 'zod';
import { RampartError } from '../../../errors.js';
import type { Resource } from '../../../authz/entities.js';
import type { Principal } from '../../../identity/types.js';
import type { Store } from '../../../store/types.js';
import {
  createKey, creatorFor, keyView, listKeys, parseDuration, revokeKey, rotateKey, type CreateKeyInput, type Creator,
} from '../../../identity/apikeys.js';
import { issueSigV4Credential, revokeSigV4Credential, SIGV4_KV_PREFIX } from '../../../identity/sigv4-keys.js';
import type { AdminRequest, AdminRoute } from '../types.js';

/**
 * API keys and SigV4 credentials. Two gates, both required: Cedar's ManageKeys on the key's
 * application (app owners hold it for their own application only), then the no-escalation rule of
 * identity/apikeys (a key never gets a role, application or network its creator lacks). Secrets
 * appear once, in the answer to create/rotate/issue, and never in the audit trail.
 */

export interface KeyRouteDeps {
  store: Store;
  /** How long a rotated-out key keeps working when the request names no grace period; default 24h. */
  rotateGraceMs?: number;
  /** The SigV4 master key (identity/sigv4-keys loadMasterKey); without it SigV4 routes refuse. */
  sigv4MasterKey?: Buffer;
}

/** No application: only principals allowed ManageKeys on any application (admins) reach it. */
const NO_APP = '';

const name = z.string().min(1).max(128);
const role = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/, 'letters, digits, and . _ : - (max 64)');

export const KeyInputSchema = z
  .object({
    name,
    owner: z.string().min(1).max(256).optional(),
    roles: z.array(role).max(32),
    team: name.optional(),
    application: name.optional(),
    allowedNetworks: z.array(z.string().min(1).max(64)).max(64).optional(),
    expiresAt: z.iso.datetime({ offset: true }).optional().describe('ISO 8601 instant'),
    expiresIn: z.string().regex(/^\d{1,6}[smhd]$/, 'a duration such as 30d, 24h or 15m').optional(),
  })
  .strict()
  .refine((b) => !(b.expiresAt && b.expiresIn), { message: 'give expiresAt or expiresIn, not both', path: ['expiresIn'] });

type KeyInput = z.infer<typeof KeyInputSchema>;

const RotateSchema = z
  .object({ gracePeriod: z.string().regex(/^\d{1,6}[smhd]$/, 'a duration such as 24h or 0s').optional() })
  .strict();


function principal(req: AdminRequest): Principal {
  const p = req.ctx.principal;
  if (!p) throw new RampartError('unauthorized');
  return p;
}

function creator(req: AdminRequest): Creator {
  return creatorFor(principal(req));
}

function toCreateInput(b: KeyInput): CreateKeyInput {
  const expiresAt = b.expiresAt ? new Date(b.expiresAt) : b.expiresIn ? new Date(Date.now() + parseDuration(b.expiresIn)) : undefined;
  if (expiresAt && expiresAt.getTime() <= Date.now()) throw new RampartError('bad_request', { message: 'expiresAt must be in the future', param: 'expiresAt' });
  return {
    name: b.name, owner: b.owner, roles: b.roles, team: b.team, application: b.application, allowedNetworks: b.allowedNetworks, expiresAt,
  };
}

const appResource = (id: string | undefined): Resource => ({ type: 'Application', id: id ?? NO_APP });

export function keyRoutes(deps: KeyRouteDeps): AdminRoute[] {
  const { store } = deps;
  const keyOf = async (req: AdminRequest) => store.keys.get(req.params.id);
  const master = (): Buffer => {
    if (!deps.sigv4MasterKey) throw new RampartError('bad_request', { message: 'SigV4 credentials are not enabled (identity.sigv4 and RAMPART_SECRET_KEY).' });
    return deps.sigv4MasterKey;
  };
  const sigv4Of = async (id: string): Promise<{ application?: string } | undefined> => {
    const raw = await store.kv.get(SIGV4_KV_PREFIX + id);
    if (!raw) return undefined;
    try {
      return JSON.parse(raw) as { application?: string };
    } catch {
      return {};
    }
  };

  return [
    {
      method: 'POST', path: '/keys', action: 'ManageKeys', readOnly: false, eventName: 'CreateKey',
      summary: 'Create an API key; the key is in this answer only. Never more access than the caller holds.',
      body: KeyInputSchema,
      resourceOf: (req) => appResource((req.body as KeyInput).application),
      async handler(req) {
        const { key, record } = await createKey(store, toCreateInput(req.body as KeyInput), creator(req));
        const view = keyView(record);
        return { status: 201, body: { key, ...view }, audit: { resourceId: record.id, after: view } };
      },
    },
    {
      method: 'GET', path: '/keys', action: 'ManageKeys', readOnly: true, eventName: 'ListKeys',
      summary: 'List keys (an app owner sees its own application\'s keys only).',
      queryParams: [{ name: 'includeRevoked', description: 'true to include revoked keys' }],
      resourceOf: (req) => appResource(creator(req).scope === 'admin' ? NO_APP : principal(req).application),
      async handler(req) {
        const includeRevoked = req.query.get('includeRevoked') === 'true';
        const now = new Date();
        return { body: { keys: (await listKeys(store, creator(req), { includeRevoked })).map((k) => keyView(k, now)) } };
      },
    },
    {
      method: 'GET', path: '/keys/:id', action: 'ManageKeys', readOnly: true, eventName: 'GetKey',
      summary: 'One key\'s attributes and state.',
      resourceOf: async (req) => appResource((await keyOf(req))?.application),
      async handler(req) {
        const rec = await keyOf(req);
        if (!rec) throw new RampartError('not_found', { message: `No key ${req.params.id}.` });
        return { body: keyView(rec) };
      },
    },
    {
      method: 'POST', path: '/keys/:id/revoke', action: 'ManageKeys', readOnly: false, eventName: 'RevokeKey',
      summary: 'Revoke a key at once, on every instance.',
      resourceOf: async (req) => appResource((await keyOf(req))?.application),
      async handler(req) {
        const before = await keyOf(req);
        if (!before) throw new RampartError('not_found', { message: `No key ${req.params.id}.` });
        const after = await revokeKey(store, before.id, creator(req));
        return { body: keyView(after), audit: { resourceId: before.id, before: keyView(before), after: keyView(after) } };
      },
    },
    {
      method: 'POST', path: '/keys/:id/rotate', action: 'ManageKeys', readOnly: false, eventName: 'RotateKey',
      summary: 'Mint a replacement with the same grants; the old key works until the grace period ends.',
      body: RotateSchema,
      resourceOf: async (req) => appResource((await keyOf(req))?.application),
      async handler(req) {
        const before = await keyOf(req);
        if (!before) throw new RampartError('not_found', { message: `No key ${req.params.id}.` });
        const b = req.body as z.infer<typeof RotateSchema>;
        const grace = b.gracePeriod !== undefined ? parseDuration(b.gracePeriod) : (deps.rotateGraceMs ?? 86_400_000);
        const { key, record } = await rotateKey(store, before.id, creator(req), grace);
        const old = await store.keys.get(before.id);
        const view = keyView(record);
        return {
          status: 201,
          body: { key, ...view, replaces: old ? keyView(old) : undefined },
          audit: { resourceId: before.id, before: keyView(before), after: { old: old && keyView(old), replacement: view } },
        };
      },
    },
    {
      method: 'POST', path: '/sigv4-credentials', action: 'ManageKeys', readOnly: false, eventName: 'IssueSigV4Credential',
      summary: 'Issue an AWS SigV4 access key id / secret pair; the secret is in this answer only.',
      body: KeyInputSchema,
      resourceOf: (req) => appResource((req.body as KeyInput).application),
      async handler(req) {
        const r = await issueSigV4Credential(store, master(), toCreateInput(req.body as KeyInput), creator(req));
        return {
          status: 201,
          body: { ...r.credential, secretAccessKey: r.secretAccessKey },
          audit: { resourceId: r.accessKeyId, after: r.credential },
        };
      },
    },
    {
      method: 'DELETE', path: '/sigv4-credentials/:id', action: 'ManageKeys', readOnly: false, eventName: 'RevokeSigV4Credential',
      summary: 'Revoke a SigV4 credential.',
      resourceOf: async (req) => appResource((await sigv4Of(req.params.id))?.application),
      async handler(req) {
        const id = req.params.id;
        if (!(await sigv4Of(id)) || !(await revokeSigV4Credential(store, id))) throw new RampartError('not_found', { message: `No SigV4 credential ${id}.` });
        return { body: { accessKeyId: id, revoked: true }, audit: { resourceId: id, after: { revoked: true } } };
      },
    },
  ];
}
