import { z } from 'zod';
import { ConfigSchema } from '../config/schema.js';
import { loadConfigFile } from '../config/load.js';

/** `rampart config validate FILE` and `rampart config schema`. */
export async function configCommand(argv: string[]): Promise<number> {
  const [sub, file] = argv;
  if (sub === 'schema') {
    process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    return 0;
  }
  if (sub === 'validate') {
    if (!file) {
      process.stderr.write('usage: rampart config validate FILE\n');
      return 2;
    }
    try {
      const loaded = loadConfigFile(file);
      const c = loaded.config;
      // Everything a start would compile: guardrails (with the real detectors), prices, providers
      // (CA files, proxies) and the Cedar policies, so what validates here also starts.
      const { Runtime } = await import('../config/runtime.js');
      const { realDetectorKit, loadModels } = await import('../app.js');
      const { createAuthz } = await import('../authz/config.js');
      loadModels();
      await new Runtime(loaded, { kit: realDetectorKit() }).close();
      createAuthz(c.authz, { baseDir: loaded.baseDir }).close();
      process.stdout.write(`${loaded.file}: valid (${c.providers.length} providers, ${c.models.length} models, ${c.guardrails.definitions.length} guardrails)\n`);
      return 0;
    } catch (err) {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      return 1;
    }
  }
  process.stderr.write('usage: rampart config validate FILE | rampart config schema\n');
  return 2;
}

export function configJsonSchema(): unknown {
  return { $id: 'https://rampart.dev/schema/rampart.yaml.json', title: 'rampart.yaml', ...z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any' }) };
}
