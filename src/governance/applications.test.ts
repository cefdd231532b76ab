import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RampartError } from '../errors.js';
import { Applications } from './applications.js';
import { GovernanceValidationError } from './types.js';
import { appInput, memoryAudit, tempStore } from './testing.js';
import type { Store } from '../store/types.js';

const actor = { id: 'user:ada', roles: ['platform-admin'] };

describe('application registry', () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  before(async () => ({ store, cleanup } = await tempStore()));
  after(() => cleanup());

  it('refuses an unknown scope with the field path', async () => {
    const apps = new Applications({ store: store.governance, ...memoryAudit() });
    await assert.rejects(apps.create(actor, appInput({ id: 'bad-scope', scope: 6 as 5 })), (err: unknown) => {
      assert.ok(err instanceof GovernanceValidationError);
      assert.ok(err instanceof RampartError);
      assert.equal(err.code, 'bad_request');
      assert.equal(err.param, 'scope');
      assert.match(err.message, /scope: unknown scope/);
      return true;
    });
  });

  it('refuses an unknown classification, exposure and region with their paths', async () => {
    const apps = new Applications({ store: store.governance, ...memoryAudit() });
    const bad = { ...appInput({ id: 'bad-class' }), dataClassification: 'secret', exposure: 'partner', allowedRegions: ['Mars 1'] };
    await assert.rejects(apps.create(actor, bad), (err: unknown) => {
      assert.ok(err instanceof GovernanceValidationError);
      assert.deepEqual(err.issues.map((i) => i.path).sort(), ['allowedRegions[0]', 'dataClassification', 'exposure']);
      return true;
    });
    await assert.rejects(apps.create(actor, { ...appInput({ id: 'extra' }), colour: 'red' }), /colour|Unrecognized/);
    assert.equal(await apps.get('bad-class'), undefined);
  });

  it('creates, updates (validating the merged record) and deletes, auditing each change', async () => {
    const { audit, events } = memoryAudit();
    const apps = new Applications({ store: store.governance, audit });
    await apps.create(actor, appInput({ id: 'crud-app' }));
    await assert.rejects(apps.create(actor, appInput({ id: 'crud-app' })), /already exists/);
    const up = await apps.update(actor, 'crud-app', { scope: 4, allowedRegions: ['eu-west-1'] });
    assert.equal(up.scope, 4);
    await assert.rejects(apps.update(actor, 'crud-app', { dataClassification: 'top-secret' }), (e: unknown) => e instanceof GovernanceValidationError && e.param === 'dataClassification');
    assert.equal(await apps.delete(actor, 'crud-app'), true);
    assert.deepEqual(events.map((e) => e.eventName), ['CreateApplication', 'UpdateApplication', 'DeleteApplication']);
    assert.equal((events[1].before as { scope: number }).scope, 3);
  });
});
