/**
 * Starts a real gateway (in process, real SQLite file, real listener on 127.0.0.1:0) in front of
 * two cassette upstreams: one speaking the OpenAI wire format, one speaking Bedrock's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parseConfigText } from '../../src/config/load.js';
import { startGateway, type Gateway } from '../../src/app.js';
import { createKey } from '../../src/identity/apikeys.js';
import { loadCassettes, startCassetteServer, type CassetteServer } from '../support/cassette-server.js';

export const BEDROCK_MODEL = 'anthropic.claude-3-5-haiku-20241022-v1:0';

export interface Harness {
  gw: Gateway;
  key: string;
  openaiUp: CassetteServer;
  bedrockUp: CassetteServer;
  dir: string;
  close(): Promise<void>;
}

/** Without a `guardrails:` section in extraYaml the gateway runs unguarded (the core tests); guardrails.test.ts attaches them. */
export async function startHarness(extraYaml = ''): Promise<Harness> {
  const openaiUp = await startCassetteServer(loadCassettes('test/cassettes/openai'));
  const bedrockUp = await startCassetteServer(loadCassettes('test/cassettes/bedrock'));
  const dir = mkdtempSync(join(tmpdir(), 'rampart-e2e-'));
  const yaml = `
server: { host: 127.0.0.1, port: 0, bodyLimitBytes: 65536, shutdownGraceMs: 2000 }
store: { kind: sqlite, path: ${join(dir, 'rampart.db')} }
log: { level: silent }
providers:
  - { name: oai, kind: openai, baseUrl: "${openaiUp.url}/v1", apiKey: sk-test, timeouts: { firstByteMs: 1500, idleMs: 1500 } }
  - { name: br, kind: bedrock, region: us-east-1, endpoint: "${bedrockUp.url}", accessKeyId: AKIDEXAMPLE, secretAccessKey: wJalrXUtnFEMI, timeouts: { firstByteMs: 1500, idleMs: 1500 } }
models:
  - { name: m-openai, deployments: [{ provider: oai, model: gpt-4o-mini }] }
  - { name: m-bedrock, deployments: [{ provider: br, model: "${BEDROCK_MODEL}" }] }
  - { name: m-embed, type: embedding, deployments: [{ provider: oai, model: text-embedding-3-small }] }
${extraYaml.includes('guardrails:') ? '' : 'guardrails: { attach: { all: [] } }'}
${extraYaml}`;
  const config = parseConfigText(yaml, join(dir, 'rampart.yaml'), {});
  const gw = await startGateway({ loaded: { config, baseDir: dir }, logger: pino({ level: 'silent' }), watch: false });
  const { key } = await createKey(gw.store, { name: 'e2e', roles: ['platform-admin'] }, { id: 'test', roles: [], scope: 'admin' });
  return {
    gw, key, openaiUp, bedrockUp, dir,
    async close() {
      await gw.close();
      await openaiUp.close();
      await bedrockUp.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
