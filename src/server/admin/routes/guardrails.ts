import { z } from 'zod';
import { RampartError } from '../../../errors.js';
import { DRAFT, type GuardrailRecord, type GuardrailRegistry, type GuardrailRepository } from '../../../guardrails/registry.js';
import type { GuardrailSet } from '../../../guardrails/config.js';
import type { AdminRequest, AdminRoute } from '../types.js';
import { conflict } from '../errors.js';

/**
 * Guardrails through the API, Bedrock style: a mutable DRAFT and immutable numbered versions
 * (guardrails/registry). Guardrails defined in rampart.yaml are listed and readable but
 * read-only here (the file is their source of truth); an API id may not shadow a config id.
 */

export interface GuardrailRouteDeps {
  registry: GuardrailRegistry;
  /** The registry's storage, for listing ids. */
  repository: GuardrailRepository;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const VERSION = /^(DRAFT|[1-9]\d{0,5})$/;

/** The definition is checked by guardrails/schema (field paths in the 400); only the id is checked here. */
const CreateSchema = z.object({ id: z.string().regex(ID, 'letters, digits, - and _ (max 64)').optional() }).loose();
const UpdateSchema = z.object({}).loose();
const VersionSchema = z.object({ description: z.string().max(200).optional() }).strict();

function configSet(req: AdminRequest): GuardrailSet {
  return req.ctx.runtime.guardrails;
}

function view(rec: GuardrailRecord) {
  return {
    id: rec.id, version: rec.version, source: 'api' as const, description: rec.description,
    createdAt: rec.createdAt.toISOString(), updatedAt: rec.updatedAt.toISOString(), definition: rec.definition,
  };
}

export function guardrailRoutes(deps: GuardrailRouteDeps): AdminRoute[] {
  const { registry } = deps;
  const isConfig = (req: AdminRequest, id: string) => configSet(req).get({ id, version: DRAFT }) !== undefined;
  const readOnly = (id: string) => conflict(`Guardrail '${id}' is defined in the config file and is read-only through the API.`);

  return [
    {
      method: 'GET', path: '/guardrails', action: 'ManageGuardrails', readOnly: true, eventName: 'ListGuardrails',
      summary: 'List guardrails: config-defined (read-only) and API-created, with their versions.',
      resource: () => ({ type: 'Guardrail', id: '' }),
      async handler(req) {
        const fromConfig = configSet(req).ids().map((id) => ({ id, source: 'config', versions: [DRAFT, '1'] }));
        const fromApi = [];
        for (const id of await deps.repository.ids()) fromApi.push({ id, source: 'api', versions: await registry.versions(id) });
        return { body: { guardrails: [...fromConfig, ...fromApi] } };
      },
    },
    {
      method: 'GET', path: '/guardrails/:id', action: 'ManageGuardrails', readOnly: true, eventName: 'GetGuardrail',
      summary: 'One guardrail version\'s definition (default DRAFT).',
      queryParams: [{ name: 'version', description: 'DRAFT (default) or a version number' }],
      resource: (req) => ({ type: 'Guardrail', id: req.params.id }),
      async handler(req) {
        const id = req.params.id;
        const version = req.query.get('version') ?? DRAFT;
        if (!VERSION.test(version)) throw new RampartError('bad_request', { message: 'version must be DRAFT or a number', param: 'version' });
        const c = configSet(req).get({ id, version });
        if (c) return { body: { id, version, source: 'config', definition: c.definition } };
        const rec = await registry.get(id, version);
        if (!rec) throw new RampartError('not_found', { message: `No guardrail ${id} with version ${version}.` });
        return { body: { ...view(rec), versions: await registry.versions(id) } };
      },
    },
    {
      method: 'POST', path: '/guardrails', action: 'ManageGuardrails', readOnly: false, eventName: 'CreateGuardrail',
      summary: 'Create a guardrail DRAFT from a Bedrock CreateGuardrail body (plus optional id).',
      body: CreateSchema,
      resourceOf: (req) => ({ type: 'Guardrail', id: (req.body as { id?: string }).id ?? '' }),
      async handler(req) {
        const { id, ...definition } = req.body as { id?: string } & Record<string, unknown>;
        if (id !== undefined) {
          if (isConfig(req, id)) throw readOnly(id);
          if (await registry.get(id, DRAFT)) throw conflict(`Guardrail '${id}' exists.`);
        }
        const rec = await registry.create(definition, { id });
        return { status: 201, body: view(rec), audit: { resourceId: rec.id, after: view(rec) } };
      },
    },
    {
      method: 'PUT', path: '/guardrails/:id', action: 'ManageGuardrails', readOnly: false, eventName: 'UpdateGuardrail',
      summary: 'Replace the DRAFT of an API-created guardrail.',
      body: UpdateSchema,
      resource: (req) => ({ type: 'Guardrail', id: req.params.id }),
      async handler(req) {
        const id = req.params.id;
        if (isConfig(req, id)) throw readOnly(id);
        const before = await registry.get(id, DRAFT);
        if (!before) throw new RampartError('not_found', { message: `No guardrail ${id}.` });
        const after = await registry.updateDraft(id, req.body);
        if (!after) throw new RampartError('not_found', { message: `No guardrail ${id}.` });
        return { body: view(after), audit: { resourceId: id, before: view(before), after: view(after) } };
      },
    },
    {
      method: 'POST', path: '/guardrails/:id/versions', action: 'ManageGuardrails', readOnly: false, eventName: 'CreateGuardrailVersion',
      summary: 'Snapshot the DRAFT as the next immutable version.',
      body: VersionSchema,
      resource: (req) => ({ type: 'Guardrail', id: req.params.id }),
      async handler(req) {
        const id = req.params.id;
        if (isConfig(req, id)) throw readOnly(id);
        const rec = await registry.createVersion(id, (req.body as z.infer<typeof VersionSchema>).description);
        if (!rec) throw new RampartError('not_found', { message: `No guardrail ${id}.` });
        return { status: 201, body: view(rec), audit: { resourceId: `${id}:${rec.version}`, after: { id, version: rec.version, description: rec.description } } };
      },
    },
  ];
}
