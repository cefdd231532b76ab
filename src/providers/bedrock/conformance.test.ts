/** The shared provider conformance suite, run for bedrock against its cassettes. */
import { providerConformance } from '../conformance.js';
import type { Deployment } from '../types.js';
import { createBedrockProvider } from './index.js';

const deployment: Deployment = { id: 'aws/haiku', provider: 'aws', upstreamModel: 'anthropic.claude-3-5-haiku-20241022-v1:0', weight: 1 };

providerConformance({
  name: 'bedrock',
  cassetteDir: 'test/cassettes/bedrock',
  deployment,
  makeProvider: (baseUrl, o) =>
    createBedrockProvider({
      name: 'aws',
      kind: 'bedrock',
      region: 'us-east-1',
      endpoint: baseUrl,
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'not-a-secret-at-all',
      ...(o?.timeouts ? { timeouts: o.timeouts } : {}),
    }),
});
