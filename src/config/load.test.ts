import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, defaultConfig, loadConfigFile, parseConfigText } from './load.js';

const base = `
providers:
  - { name: up, kind: openai, baseUrl: "http://127.0.0.1:1/v1", apiKey: "\${env:UP_KEY}" }
models:
  - { name: m1, deployments: [{ provider: up, model: gpt-x }] }
`;

function issues(text: string, env: NodeJS.ProcessEnv = { UP_KEY: 'k' }): string[] {
  try {
    parseConfigText(text, 'rampart.yaml', env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.issues;
  }
  assert.fail('expected a ConfigError');
}

test('a valid config parses, interpolates env and applies defaults', () => {
  const c = parseConfigText(base, 'rampart.yaml', { UP_KEY: 'secret' });
  assert.equal(c.providers[0].kind, 'openai');
  assert.equal(c.providers[0].kind === 'openai' && c.providers[0].apiKey, 'secret');
  assert.equal(c.server.port, 8080);
  assert.equal(c.models[0].stage, 'approved');
  assert.equal(c.models[0].deployments[0].weight, 1);
});

test('a missing environment variable is an error naming the field, not an empty secret', () => {
  const out = issues(base, {});
  assert.deepEqual(out, ['providers[0].apiKey: environment variable UP_KEY is not set']);
});

test('secrets from files, relative to the config file', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-cfg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'key.txt'), 'from-file\n');
  writeFileSync(join(dir, 'rampart.yaml'), base.replace('${env:UP_KEY}', '${file:key.txt}'));
  const { config } = loadConfigFile(join(dir, 'rampart.yaml'), {});
  assert.equal(config.providers[0].kind === 'openai' && config.providers[0].apiKey, 'from-file');
  const bad = issues(base.replace('${env:UP_KEY}', '${file:/nonexistent/x}'));
  assert.match(bad[0], /^providers\[0\]\.apiKey: cannot read secret file/);
});

test('wrong types, unknown fields and bad references name the field path', () => {
  assert.deepEqual(issues(base + 'server: { port: "80" }\n').map((s) => s.split(':')[0]), ['server.port']);
  assert.match(issues(base + 'server: { prot: 80 }\n')[0], /^server: .*prot/);
  assert.match(issues(base.replace('provider: up', 'provider: nope'))[0], /^models\[0\]\.deployments\[0\]\.provider: unknown provider "nope"/);
  assert.match(issues(base + '  - { name: m1, deployments: [{ provider: up, model: y }] }\n')[0], /^models\[1\]\.name: duplicate model name/);
  assert.match(issues(base.replace('kind: openai', 'kind: opnai'))[0], /^providers\[0\]\.kind/);
  assert.match(issues(base.replace('http://127.0.0.1:1/v1', 'ftp://x'))[0], /^providers\[0\]\.baseUrl/);
});

test('YAML syntax errors and duplicate keys report the line', () => {
  assert.match(issues('server:\n  port: 1\n  port: 2\n')[0], /line 3/);
  assert.match(issues('server: [1,\n')[0], /YAML/);
});

test('embedded defaults use the demo provider', () => {
  const d = defaultConfig();
  assert.equal(d.config.providers[0].kind, 'demo');
  assert.ok(d.config.models.some((m) => m.name === 'rampart-demo'));
  assert.equal(d.config.store.kind, 'sqlite');
});
