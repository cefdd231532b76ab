import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProviderSchema } from '../config/schema.js';
import { createProvider } from './index.js';

test('createProvider builds each kind from a validated config', async () => {
  const configs = [
    { name: 'o', kind: 'openai', baseUrl: 'http://127.0.0.1:1/v1' },
    { name: 'a', kind: 'anthropic' },
    { name: 'd', kind: 'demo' },
  ].map((c) => ProviderSchema.parse(c));
  const kinds: string[] = [];
  for (const cfg of configs) {
    const p = createProvider(cfg);
    assert.equal(p.name, cfg.name);
    kinds.push(p.kind);
    await p.close();
  }
  assert.deepEqual(kinds, ['openai', 'anthropic', 'demo']);
});
