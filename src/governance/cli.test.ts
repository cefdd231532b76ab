import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigSchema } from '../config/schema.js';
import type { Store } from '../store/types.js';
import { governanceCommand } from '../cli/governance.js';
import { assessCommand } from '../cli/assess.js';
import { appInput, FULL_GUARDRAIL, tempStore } from './testing.js';

describe('rampart governance and rampart assess', () => {
  let store: Store;
  let dir: string;
  let cleanup: () => Promise<void>;
  const config = ConfigSchema.parse({
    server: { bodyLimitBytes: 64 * 1024 },
    providers: [{ name: 'demo', kind: 'demo' }],
    models: [{ name: 'chat', deployments: [{ provider: 'demo', model: 'demo-1' }] }],
    guardrails: { definitions: [{ id: 'full', ...FULL_GUARDRAIL }], attach: { all: [] } },
    governance: { approvers: { 'approved->deprecated': ['platform-admin'] } },
  });
  before(async () => ({ store, dir, cleanup } = await tempStore()));
  after(() => cleanup());

  async function run(fn: typeof governanceCommand, argv: string[]) {
    let out = '';
    let err = '';
    const code = await fn(argv, { store, loaded: { config, baseDir: dir }, out: (s) => { out += s; }, err: (s) => { err += s; }, tty: { isTTY: false, write: () => true } });
    return { code, out, err };
  }

  it('refuses an application file with an unknown scope, naming the field', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ ...appInput({ id: 'cli-app' }), scope: 0 }));
    const r = await run(governanceCommand, ['apps', 'create', '--file', file, '--as', 'user:ada']);
    assert.equal(r.code, 2);
    assert.match(r.err, /refused \(bad_request, scope\): scope: unknown scope/);
  });

  it('imports the config models, then approval rules from the config apply, self-approval refused', async () => {
    assert.equal((await run(governanceCommand, ['models', 'import', '--as', 'user:ada'])).code, 0);
    const req = await run(governanceCommand, ['models', 'request', 'chat', '--to', 'deprecated', '--reason', 'superseded', '--as', 'user:ada', '--json']);
    assert.equal(req.code, 0, req.err);
    const id = (JSON.parse(req.out) as { id: string }).id;
    const self = await run(governanceCommand, ['approvals', 'approve', id, '--reason', 'ok', '--as', 'user:ada', '--roles', 'platform-admin']);
    assert.equal(self.code, 2);
    assert.match(self.err, /own request/);
    const ok = await run(governanceCommand, ['approvals', 'approve', id, '--reason', 'agreed', '--as', 'user:bo', '--roles', 'platform-admin']);
    assert.match(ok.out, /approved \(chat is now deprecated\)/);
    const audit = await store.records.queryAudit({ action: 'ApproveModelTransition', limit: 10 });
    assert.ok(audit.some((a) => a.principalId === 'user:bo' && /agreed/.test(a.body)), 'CLI approvals go to the audit chain');
  });

  it('assess --app runs the corpus through the gateway and stores the result', async () => {
    const file = join(dir, 'app.json');
    writeFileSync(file, JSON.stringify(appInput({ id: 'assessed', guardrails: ['full'], models: ['chat'] })));
    assert.equal((await run(governanceCommand, ['apps', 'create', '--file', file, '--as', 'user:ada'])).code, 0);
    const r = await run(assessCommand, ['--app', 'assessed']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /attacks blocked: \d+\/16/);
    assert.match(r.out, /LLM01 Prompt Injection/);
    assert.equal((await store.governance.listAssessments({ application: 'assessed' })).length, 1);
    await assert.rejects(run(assessCommand, ['--app', 'nope']), /no application "nope"/);
    const corpus = join(dir, 'corpus.json');
    writeFileSync(corpus, JSON.stringify([{ id: 'x', category: 'weird', attack: true, prompt: 'hi' }]));
    await assert.rejects(run(assessCommand, ['--app', 'assessed', '--corpus', corpus]), /\[0\]\.category/);
  });
});
