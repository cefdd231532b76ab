import { readFileSync } from 'node:fs';
import { ConfigError } from '../config/load.js';
import { UsageError } from './args.js';

const USAGE = `rampart: a security and governance gateway for generative AI

usage:
  rampart serve [--config FILE] [--port N] [--host ADDR]   start the gateway (embedded defaults without --config)
  rampart config validate FILE | schema                   check a config / print its JSON Schema
  rampart keys create|list|revoke|rotate ... [--config FILE]
  rampart policy check --principal P --action A --resource R [--context JSON]
  rampart eval --detector NAME --dataset FILE [--json] [--predictions FILE]
  rampart eval --guardrail ID --detector NAME --dataset FILE [--config FILE] [--json]
  rampart audit verify|query|digest|keygen|retention|erase ... [--config FILE]
  rampart logs query [filters] [--config FILE]
  rampart report compliance --from DATE --to DATE --format html|json|md [--out FILE]
  rampart assess --app ID | --model ID [--corpus FILE]
  rampart governance models|apps|approvals ...
  rampart version
`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'serve':
      return (await import('./serve.js')).serveCommand(rest);
    case 'config':
      return (await import('./config.js')).configCommand(rest);
    case 'keys': {
      const { keysCommand } = await import('./keys.js');
      return (await import('./with-store.js')).withConfiguredStore(rest, (r, store) => keysCommand(r, { store }));
    }
    case 'audit':
      return (await import('./audit.js')).auditMain(rest);
    case 'report':
      return (await import('./report.js')).reportMain(rest);
    case 'assess':
      return (await import('./assess.js')).assessMain(rest);
    case 'governance':
      return (await import('./governance.js')).governanceMain(rest);
    case 'logs':
      return (await import('./logs.js')).logsMain(rest);
    case 'policy':
      return (await import('./policy.js')).policyCommand(rest);
    case 'eval': {
      const ev = await import('./eval.js');
      if (rest.some((a) => a === '--guardrail' || a.startsWith('--guardrail='))) {
        // --config is ours, not the eval command's: it names the config whose guardrails are measured.
        const i = rest.findIndex((a) => a === '--config');
        const configFile = i >= 0 ? rest[i + 1] : undefined;
        if (i >= 0) rest.splice(i, 2);
        ev.setGuardrailTargetResolver((await import('./eval-guardrail.js')).guardrailTarget(configFile));
      }
      return ev.evalCommand(rest);
    }
    case 'version':
    case '--version': {
      const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
      process.stdout.write(`${pkg.version}\n`);
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return cmd === undefined ? 2 : 0;
    default:
      process.stderr.write(`unknown command: ${cmd}\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => { if (code !== undefined) process.exitCode = code; },
  (err: unknown) => {
    if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
    else if (err instanceof UsageError) process.stderr.write(`${err.message}\n`);
    else process.stderr.write(`rampart: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exitCode = err instanceof UsageError ? 2 : 1;
  },
);
