import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigSchema, type Config } from './schema.js';

/** A config that failed to load: every problem with the path of the offending field. */
export class ConfigError extends Error {
  readonly issues: string[];
  constructor(file: string, issues: string[]) {
    super(`invalid config ${file}:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

export interface LoadedConfig {
  config: Config;
  /** Absolute path of the file, or undefined for the embedded defaults. */
  file?: string;
  /** Directory relative paths in the config (policies, CA files) resolve against. */
  baseDir: string;
}

/** Embedded defaults: SQLite under ./data, the demo provider, one demo model. */
export function defaultConfig(): LoadedConfig {
  const config = ConfigSchema.parse({
    providers: [{ name: 'demo', kind: 'demo' }],
    models: [
      { name: 'rampart-demo', deployments: [{ provider: 'demo', model: 'rampart-demo-1' }] },
      { name: 'rampart-demo-embed', type: 'embedding', deployments: [{ provider: 'demo', model: 'rampart-demo-embed-1' }] },
    ],
  });
  return { config, baseDir: process.cwd() };
}

export function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`cannot read file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
  }
  return { config: parseConfigText(text, file, env), file, baseDir: dirname(file) };
}

export function parseConfigText(text: string, file: string, env: NodeJS.ProcessEnv = process.env): Config {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(file, doc.errors.map((e) => `YAML ${e.linePos ? `line ${e.linePos[0].line}: ` : ''}${e.message.split('\n')[0]}`));
  }
  const raw: unknown = doc.toJS() ?? {};
  const issues: string[] = [];
  const interpolated = interpolate(raw, [], env, dirname(file), issues);
  if (issues.length > 0) throw new ConfigError(file, issues);
  const parsed = ConfigSchema.safeParse(interpolated);
  if (!parsed.success) throw new ConfigError(file, formatIssues(parsed.error));
  return parsed.data;
}

export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out === '' ? '(root)' : out;
}

const REF = /\$\{(env|file):([^}]+)\}/g;

/**
 * `${env:NAME}` and `${file:PATH}` in string values. A missing variable or unreadable file is an
 * error naming the field, never a silent empty string (an empty API key would fail open upstream).
 */
function interpolate(value: unknown, path: PropertyKey[], env: NodeJS.ProcessEnv, baseDir: string, issues: string[]): unknown {
  if (typeof value === 'string') {
    if (!value.includes('${')) return value;
    return value.replace(REF, (_m, kind: string, ref: string) => {
      if (kind === 'env') {
        const v = env[ref];
        if (v === undefined) issues.push(`${formatPath(path)}: environment variable ${ref} is not set`);
        return v ?? '';
      }
      try {
        return readFileSync(resolve(baseDir, ref), 'utf8').trim();
      } catch (err) {
        issues.push(`${formatPath(path)}: cannot read secret file ${ref}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
        return '';
      }
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, [...path, i], env, baseDir, issues));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolate(v, [...path, k], env, baseDir, issues);
    return out;
  }
  return value;
}
