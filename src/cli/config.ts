import { z } from 'zod';
import { ConfigSchema } from '../config/schema.js';
import { ConfigError, loadConfigFile } from '../config/load.js';

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
      process.stdout.write(`${loaded.file}: valid (${c.providers.length} providers, ${c.models.length} models)\n`);
      return 0;
    } catch (err) {
      if (err instanceof ConfigError) {
        process.stderr.write(`${err.message}\n`);
        return 1;
      }
      throw err;
    }
  }
  process.stderr.write('usage: rampart config validate FILE | rampart config schema\n');
  return 2;
}

export function configJsonSchema(): unknown {
  return { $id: 'https://rampart.dev/schema/rampart.yaml.json', title: 'rampart.yaml', ...z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any' }) };
}
