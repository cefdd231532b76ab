/**
 * Weight files under models/: a small JSON header (`<name>.json`) next to little-endian int16
 * weights (`<name>.bin`). int16 with one scale per file keeps the files small enough to commit while
 * losing nothing a linear model notices; the header carries a SHA-256 of the weights so a
 * truncated or mismatched file fails at load instead of scoring garbage.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface WeightHeader {
  format: string;
  name: string;
  /** Number of int16 values in the .bin file. */
  length: number;
  /** value = int16 * scale */
  scale: number;
  sha256: string;
}

/**
 * Where models/ is: RAMPART_MODELS_DIR, else the first ancestor of this module (dist/, .build/...)
 * or of the working directory that holds models/ next to a package.json.
 */
export function modelsDir(): string {
  const env = process.env.RAMPART_MODELS_DIR;
  if (env) return resolve(env);
  const starts = [dirname(fileURLToPath(import.meta.url)), process.cwd()];
  for (const start of starts) {
    let dir = start;
    for (let i = 0; i < 10; i++) {
      if (existsSync(join(dir, 'models')) && existsSync(join(dir, 'package.json'))) return join(dir, 'models');
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  throw new Error('models/ directory not found; set RAMPART_MODELS_DIR');
}

export function quantize(values: Float32Array): { data: Int16Array; scale: number } {
  let max = 0;
  for (let i = 0; i < values.length; i++) max = Math.max(max, Math.abs(values[i]));
  const scale = max > 0 ? max / 32767 : 1;
  const data = new Int16Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = Math.round(values[i] / scale);
  return { data, scale };
}

function toBytes(data: Int16Array): Buffer {
  const buf = Buffer.alloc(data.length * 2);
  for (let i = 0; i < data.length; i++) buf.writeInt16LE(data[i], i * 2);
  return buf;
}

/** Writes `<dir>/<name>.json` (header + meta) and `<dir>/<name>.bin`; returns the header. */
export function writeWeights<M extends object>(dir: string, name: string, format: string, values: Float32Array, meta: M): WeightHeader & M {
  const { data, scale } = quantize(values);
  return writeQuantized(dir, name, format, data, scale, meta);
}

/** writeWeights for values already quantised (value = data * scale). */
export function writeQuantized<M extends object>(dir: string, name: string, format: string, data: Int16Array, scale: number, meta: M): WeightHeader & M {
  const bytes = toBytes(data);
  const header = {
    format,
    name,
    length: data.length,
    scale,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    ...meta,
  };
  writeFileSync(join(dir, `${name}.bin`), bytes);
  writeFileSync(join(dir, `${name}.json`), JSON.stringify(header, null, 1) + '\n');
  return header;
}

/** Reads a weight file pair as stored (int16 + scale); throws on a missing file, wrong format or checksum mismatch. */
export function readQuantized<M extends object>(name: string, format: string, dir = modelsDir()): { header: WeightHeader & M; data: Int16Array } {
  const header = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as WeightHeader & M;
  if (header.format !== format) throw new Error(`model ${name}: format ${String(header.format)}, expected ${format}`);
  const bytes = readFileSync(join(dir, `${name}.bin`));
  const digest = createHash('sha256').update(bytes).digest('hex');
  if (digest !== header.sha256 || bytes.length !== header.length * 2) throw new Error(`model ${name}: weights do not match header`);
  const data = new Int16Array(header.length);
  for (let i = 0; i < header.length; i++) data[i] = bytes.readInt16LE(i * 2);
  return { header, data };
}

/** Reads a weight file pair as float32 values. */
export function readWeights<M extends object>(name: string, format: string, dir = modelsDir()): { header: WeightHeader & M; weights: Float32Array } {
  const { header, data } = readQuantized<M>(name, format, dir);
  const weights = new Float32Array(header.length);
  for (let i = 0; i < header.length; i++) weights[i] = data[i] * header.scale;
  return { header, weights };
}
