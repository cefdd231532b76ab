import { RampartError, toRampartError } from '../../errors.js';
import { KeyPolicyError } from '../../identity/apikeys.js';
import { GuardrailConfigError } from '../../guardrails/schema.js';
import { FilterError } from '../../records/query.js';
import { PolicyLoadError } from '../../authz/policies.js';
import { StoreConflictError } from '../../store/types.js';

/**
 * The library errors an admin handler may let through, mapped onto the client-visible catalog.
 * Their messages are written for operators and carry no secrets, so they are passed on; anything
 * else stays a generic 500 whose detail only reaches the log.
 */
export function toAdminError(err: unknown): RampartError {
  if (err instanceof RampartError) return err;
  // A key that would hold more access than its creator: refused, with the reason.
  if (err instanceof KeyPolicyError) return new RampartError('forbidden', { message: err.message });
  if (err instanceof GuardrailConfigError) {
    return new RampartError('bad_request', { message: err.message, param: err.issues[0]?.path || undefined });
  }
  if (err instanceof FilterError) {
    const m = /^--([a-z-]+)/.exec(err.message);
    return new RampartError('bad_request', { message: err.message, param: m?.[1] });
  }
  if (err instanceof PolicyLoadError) return new RampartError('bad_request', { message: err.message });
  // Two writers raced to create the same resource: the loser learns it exists.
  if (err instanceof StoreConflictError) return conflict(err.message);
  return toRampartError(err);
}

/** 409: the thing exists, or is defined in the config file and so read-only through the API. */
export function conflict(message: string): RampartError {
  return new RampartError('bad_request', { status: 409, message });
}
