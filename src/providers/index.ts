/** One entry point from a validated provider config to a running Provider. */
import type { ProviderConfig } from '../config/schema.js';
import { createAnthropicProvider } from './anthropic/index.js';
import { createBedrockProvider } from './bedrock/index.js';
import { createDemoProvider } from './demo/index.js';
import { createOpenAIProvider } from './openai/index.js';
import type { Provider } from './types.js';

export function createProvider(cfg: ProviderConfig): Provider {
  switch (cfg.kind) {
    case 'openai':
      return createOpenAIProvider(cfg);
    case 'anthropic':
      return createAnthropicProvider(cfg);
    case 'bedrock':
      return createBedrockProvider(cfg);
    case 'demo':
      return createDemoProvider(cfg);
    default: {
      // Exhaustiveness: a new kind in the schema must be wired here before it compiles.
      const never: never = cfg;
      throw new Error(`unknown provider kind ${JSON.stringify(never)}`);
    }
  }
}

export { createAnthropicProvider, createBedrockProvider, createDemoProvider, createOpenAIProvider };
