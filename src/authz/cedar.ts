/**
 * Cedar's wasm build, instantiated once per process from the package's `web` variant. The `nodejs`
 * variant keeps the 4.3 MB of wasm bytes it read in a module constant for the life of the process,
 * next to the compiled module's own copy; here the bytes are read, compiled and dropped. Same API.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as cedar from '@cedar-policy/cedar-wasm/web';

cedar.initSync({ module: readFileSync(fileURLToPath(new URL('cedar_wasm_bg.wasm', import.meta.resolve('@cedar-policy/cedar-wasm/web')))) });

export { cedar };
