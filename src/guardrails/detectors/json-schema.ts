/**
 * Optional JSON Schema check on model output: the schema is compiled once when the guardrail is
 * created (a bad schema fails config load), and output that is not JSON or does not match is a
 * finding. Validation errors are reported by JSON pointer only, never by value: output can hold PII.
 */
import { createRequire } from 'node:module';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Detector, Finding, TextSource } from '../types.js';
import { DetectorConfigError } from './config-error.js';

export const JSON_SCHEMA_DETECTOR = 'json-schema';

export interface JsonSchemaCheckOptions {
  schema: Record<string, unknown> | boolean;
  /** Accept a single ```json fenced block around the document (models often add one). Default true. */
  allowCodeFence?: boolean;
  /** Refuse documents larger than this before parsing (characters). Default 1 MiB. */
  maxLength?: number;
}

export interface JsonSchemaFinding extends Finding {
  type: 'JSON_INVALID' | 'JSON_SCHEMA_MISMATCH' | 'JSON_TOO_LARGE';
  /** Instance paths and failed keywords, e.g. `/items/0: required`. */
  errors?: string[];
}

export interface JsonSchemaCheck extends Detector {
  scan(text: string, source?: TextSource): JsonSchemaFinding[];
}

const FENCE_RE = /^\s*```(?:json|JSON)?[ \t]*\n([\s\S]*?)\n?```\s*$/;

export function createJsonSchemaCheck(opts: JsonSchemaCheckOptions): JsonSchemaCheck {
  if (opts === null || typeof opts !== 'object' || !('schema' in opts)) throw new DetectorConfigError('schema', 'required');
  // Loaded on the first schema (CommonJS, so synchronously): most gateways never validate output.
  const { Ajv } = createRequire(import.meta.url)('ajv') as typeof import('ajv');
  const ajv = new Ajv({ allErrors: false, strict: false, validateFormats: false });
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(opts.schema);
  } catch (err) {
    throw new DetectorConfigError('schema', `invalid JSON Schema: ${err instanceof Error ? err.message : 'unknown error'}`);
  }
  const allowFence = opts.allowCodeFence ?? true;
  const maxLength = opts.maxLength ?? 1 << 20;

  return {
    name: JSON_SCHEMA_DETECTOR,
    scan(text: string): JsonSchemaFinding[] {
      const base = { detector: JSON_SCHEMA_DETECTOR, start: 0, end: text.length, confidence: 'HIGH' as const };
      if (text.length > maxLength) return [{ ...base, type: 'JSON_TOO_LARGE' }];
      let doc = text;
      if (allowFence) {
        const m = FENCE_RE.exec(text);
        if (m) doc = m[1];
      }
      let value: unknown;
      try {
        value = JSON.parse(doc);
      } catch {
        return [{ ...base, type: 'JSON_INVALID' }];
      }
      if (validate(value)) return [];
      const errors = (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'}: ${e.keyword}`);
      return [{ ...base, type: 'JSON_SCHEMA_MISMATCH', errors }];
    },
  };
}
