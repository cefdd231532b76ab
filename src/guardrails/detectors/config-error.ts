/**
 * Thrown by detector factories when their options are invalid, so a bad guardrail definition fails
 * at config load or reload with the offending field path, never on a request.
 */
export class DetectorConfigError extends Error {
  /** Path relative to the detector's options, e.g. `regexes[2].pattern`. */
  readonly path: string;

  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = 'DetectorConfigError';
    this.path = path;
  }
}
