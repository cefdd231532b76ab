import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cedar } from './cedar.js';

/**
 * Policy loading, in Cedar's own order: parse each policy, then validate the whole set against the
 * schema in strict mode. Files are split into single policies so that every policy has a stable id
 * (its `@id("...")` annotation, else `<file>#<n>`) and every error can name a file and line.
 * A set with any parse or validation error is refused as a whole.
 */

/**
 * The directory holding the shipped schema and role policies: `policies/` at the package root,
 * found by walking up from this module (compiled output may sit at different depths).
 */
export const SHIPPED_POLICY_DIR = findShippedDir();

function findShippedDir(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(d, 'policies');
    if (existsSync(join(candidate, 'schema.cedarschema'))) return candidate;
    d = dirname(d);
  }
  return resolve('policies');
}

export interface PolicyText {
  id: string;
  file: string;
  /** 1-based line of the policy's first character in its file. */
  line: number;
  /** Offset of the policy text in its file. */
  offset: number;
  text: string;
}

export interface CompiledPolicySet {
  schema: string;
  /** id -> policy text, the form the Cedar engine takes. */
  policies: Record<string, string>;
  sources: PolicyText[];
  /** Non-fatal validator warnings, with file and line. */
  warnings: string[];
}

export class PolicyLoadError extends Error {
  override readonly name = 'PolicyLoadError';
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid policies:\n  ${problems.join('\n  ')}`);
    this.problems = problems;
  }
}

/** Splits Cedar text at top-level `;`, skipping strings and `//` comments. */
export function splitPolicies(file: string, text: string): PolicyText[] {
  const out: PolicyText[] = [];
  let start = 0;
  let i = 0;
  const push = (end: number) => {
    const chunk = text.slice(start, end);
    // skip leading blanks and comments so that the line reported is the policy's own
    let lead = 0;
    for (;;) {
      while (lead < chunk.length && /\s/.test(chunk[lead])) lead++;
      if (!chunk.startsWith('//', lead)) break;
      while (lead < chunk.length && chunk[lead] !== '\n') lead++;
    }
    if (lead < chunk.length) {
      const offset = start + lead;
      out.push({ id: '', file, line: lineOf(text, offset), offset, text: chunk.slice(lead) });
    }
    start = end;
  };
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === ';') {
      i++;
      push(i);
    } else i++;
  }
  push(text.length); // an unterminated trailing policy is kept so the parser reports it
  out.forEach((p, n) => {
    const m = /@id\(\s*"((?:[^"\\]|\\.)*)"\s*\)/.exec(p.text);
    p.id = m ? m[1] : `${file}#${n + 1}`;
  });
  return out;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function where(p: PolicyText, rel?: { start: number }): string {
  const line = rel ? p.line + lineOf(p.text, rel.start) - 1 : p.line;
  return `${p.file}:${line}`;
}

/**
 * Parses and validates `files` (name -> Cedar text) against `schema`. Throws PolicyLoadError listing
 * every problem as `file:line: message`.
 */
export function compilePolicies(files: Record<string, string>, schema: string): CompiledPolicySet {
  const problems: string[] = [];
  const schemaCheck = cedar.checkParseSchema(schema);
  if (schemaCheck.type !== 'success') throw new PolicyLoadError(schemaCheck.errors.map((e) => `schema: ${e.message}`));

  const sources: PolicyText[] = [];
  const byId = new Map<string, PolicyText>();
  for (const [file, text] of Object.entries(files)) {
    for (const p of splitPolicies(file, text)) {
      const dup = byId.get(p.id);
      if (dup) {
        problems.push(`${where(p)}: duplicate policy id "${p.id}" (also at ${where(dup)})`);
        continue;
      }
      const parsed = cedar.checkParsePolicySet({ staticPolicies: p.text });
      if (parsed.type !== 'success') {
        for (const e of parsed.errors) problems.push(`${where(p, e.sourceLocations?.[0])}: ${e.message}`);
        continue;
      }
      byId.set(p.id, p);
      sources.push(p);
    }
  }
  if (problems.length > 0) throw new PolicyLoadError(problems);

  const policies: Record<string, string> = {};
  for (const p of sources) policies[p.id] = p.text;
  const v = cedar.validate({ schema, policies: { staticPolicies: policies }, validationSettings: { mode: 'strict' } });
  if (v.type !== 'success') throw new PolicyLoadError(v.errors.map((e) => `validation: ${e.message}`));
  // The call can report success and still carry errors: the error list is what counts.
  for (const e of v.validationErrors) {
    const p = byId.get(e.policyId);
    problems.push(`${p ? where(p, e.error.sourceLocations?.[0]) : e.policyId}: ${e.error.message}`);
  }
  if (problems.length > 0) throw new PolicyLoadError([...new Set(problems)]);
  const warnings = [...v.validationWarnings.map((w) => {
    const p = byId.get(w.policyId);
    return `${p ? where(p, w.error.sourceLocations?.[0]) : w.policyId}: ${w.error.message}`;
  }), ...v.otherWarnings.map((w) => w.message)];
  return { schema, policies, sources, warnings };
}

/** Every `*.cedar` under `dir`, keyed by path relative to `base` with `/` separators. */
export function readPolicyDir(dir: string, base = dir): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.cedar')) out[relative(base, full).split(sep).join('/')] = readFileSync(full, 'utf8');
    }
  };
  walk(dir);
  return out;
}

export interface LoadPoliciesOptions {
  /** Directory of the deployment's own policies (next to the config); optional. */
  dir?: string;
  /** Include the shipped role policies (policies/roles); default true. */
  shippedRoles?: boolean;
  /** Schema text; default the shipped policies/schema.cedarschema. */
  schema?: string;
}

export function loadPolicies(opts: LoadPoliciesOptions = {}): CompiledPolicySet {
  const files: Record<string, string> = {};
  if (opts.shippedRoles ?? true) {
    for (const [k, v] of Object.entries(readPolicyDir(join(SHIPPED_POLICY_DIR, 'roles')))) files[`roles/${k}`] = v;
  }
  if (opts.dir) Object.assign(files, readPolicyDir(resolve(opts.dir), dirname(resolve(opts.dir))));
  const schema = opts.schema ?? readFileSync(join(SHIPPED_POLICY_DIR, 'schema.cedarschema'), 'utf8');
  return compilePolicies(files, schema);
}
