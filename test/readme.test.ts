/** The README's configuration example is a real, valid config (docs that drift fail here). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseConfigText } from '../src/config/load.js';

test('the README configuration example validates', () => {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('## Configuration'));
  const m = /```yaml\n([\s\S]*?)```/.exec(section);
  assert.ok(m, 'README has a yaml block under Configuration');
  const cfg = parseConfigText(m[1], 'README.md', { OPENAI_API_KEY: 'x', ANTHROPIC_API_KEY: 'y' });
  assert.ok(cfg.models.length > 0);
  assert.equal(cfg.guardrails.attach.all[0], 'rampart-default');
});

test('the README quick start has exactly the two commands', () => {
  const readme = readFileSync('README.md', 'utf8');
  const quick = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('Try it'));
  const commands = [...quick.matchAll(/```sh\n([^\n]+)\n```/g)].map((x) => x[1]);
  assert.deepEqual(commands, ['npm install && npm start', 'npm install && npm test']);
  assert.match(readFileSync('.ci/run', 'utf8'), /^npm install && npm test$/m);
});
