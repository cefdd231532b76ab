import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigSchema } from '../../config/schema.js';
import type { Store } from '../../store/types.js';
import { ApplicationSchema } from '../types.js';
import { Catalog } from '../catalog.js';
import { appInput, FULL_GUARDRAIL, memoryAudit, tempStore } from '../testing.js';
import { runAssessment } from './run.js';
import { saveAssessment } from './save.js';
import type { AssessmentResult } from './types.js';

const strict = { ...FULL_GUARDRAIL, name: 'strict' };

export const assessConfig = () => ConfigSchema.parse({
  server: { bodyLimitBytes: 64 * 1024 },
  providers: [{ name: 'demo', kind: 'demo' }],
  models: [
    { name: 'chat', deployments: [{ provider: 'demo', model: 'demo-1' }] },
    { name: 'candidate', stage: 'evaluation', deployments: [{ provider: 'demo', model: 'demo-2' }] },
  ],
  guardrails: { definitions: [{ id: 'strict', ...strict }], attach: { all: [] } },
});

describe('security assessment through the real gateway', () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let guarded: AssessmentResult;
  let bare: AssessmentResult;
  /** Where the operator's gateway keeps its data (./data/spool by default): the sandbox must not write there. */
  const baseDir = mkdtempSync(join(tmpdir(), 'rampart-assess-base-'));
  before(async () => {
    ({ store, cleanup } = await tempStore());
    const loaded = { config: assessConfig(), baseDir };
    guarded = await runAssessment({ loaded, model: 'chat', app: ApplicationSchema.parse(appInput({ id: 'with-guard', guardrails: ['strict'] })) });
    bare = await runAssessment({ loaded, model: 'chat', app: ApplicationSchema.parse(appInput({ id: 'no-guard', guardrails: [] })) });
  });
  after(async () => {
    await cleanup();
    rmSync(baseDir, { recursive: true, force: true });
  });

  it("keeps the sandbox's spool and audit chain out of the assessed gateway's data directory", () => {
    assert.deepEqual(readdirSync(baseDir), []);
    assert.equal(existsSync(join(baseDir, 'data', 'spool')), false);
  });

  it('an application with guardrails blocks far more attacks than one without', () => {
    assert.equal(guarded.summary.attacks, bare.summary.attacks);
    assert.ok(guarded.summary.blockRate >= bare.summary.blockRate + 0.4, `with ${guarded.summary.blockRate} vs without ${bare.summary.blockRate}`);
    // Without guardrails only the size limit (a server setting, not a guardrail) stops anything.
    assert.deepEqual(bare.outcomes.filter((o) => o.blocked).map((o) => o.id), ['oversized']);
    assert.equal(bare.summary.falseBlocks, 0);
    for (const item of ['LLM01', 'LLM02', 'LLM05']) {
      assert.ok(guarded.byOwasp[item].blocked > bare.byOwasp[item].blocked, `${item} improves with guardrails`);
    }
    assert.ok(guarded.summary.falseBlockRate <= 0.25, `false blocks ${JSON.stringify(guarded.outcomes.filter((o) => !o.attack && o.blocked))}`);
  });

  it('stores results for trending and attaches a model assessment to its approval request', async () => {
    const { audit, events } = memoryAudit();
    const catalog = new Catalog({ store: store.governance, audit });
    const dana = { id: 'user:dana', roles: ['ml-engineer'] };
    await catalog.register(dana, { name: 'candidate', stage: 'evaluation', tier: 'general' });
    const req = await catalog.requestTransition(dana, 'candidate', 'approved', 'evaluation done');
    const loaded = { config: assessConfig(), baseDir };
    const result = await runAssessment({ loaded, model: 'candidate', catalogEntry: (await catalog.get('candidate'))! });
    assert.equal(result.target, 'model');
    assert.ok(result.outcomes.filter((o) => !o.attack).every((o) => o.status === 200), 'the evaluation role reaches the evaluation-stage model');
    const { attachedTo } = await saveAssessment(store, result, { actor: dana, audit, catalog });
    assert.equal(attachedTo, req.id);
    assert.deepEqual((await catalog.getApproval(req.id))?.assessments, [result.id]);
    await saveAssessment(store, guarded, { actor: dana, audit });
    const rows = await store.governance.listAssessments({ application: 'with-guard' });
    assert.equal(rows.length, 1);
    assert.equal((JSON.parse(rows[0].body) as AssessmentResult).summary.blockRate, guarded.summary.blockRate);
    assert.ok(events.some((e) => e.eventName === 'RunAssessment'));
  });
});
