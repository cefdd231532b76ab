/**
 * Builds a probe of real program text no model was trained on, to measure how often the
 * classifiers flag code: up to 80 chunks (60-500 characters, cut at line ends) per kind from
 * Python's standard library, the project's npm dependencies (.js, .d.ts, .json), C headers and
 * shell/Perl scripts found on this machine. With `--docs`, paragraphs (150-1,500 characters) of
 * documentation instead: npm packages' READMEs, their licence files, and READMEs and text files
 * under /usr/share/doc. Every row is benign (label 0), so `rampart eval` reports the
 * false-positive rate; `--predictions` gives each row's decision.
 *   npm run build && node dist/scripts/code-probe.js [--docs] > /tmp/code.jsonl
 *   node dist/src/cli/rampart.js eval --detector prompt-attack --dataset /tmp/code.jsonl
 * Seeded and sorted, so the same machine gives the same rows.
 */
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRng, shuffle } from './train/rng.js';

const KINDS: Record<string, { roots: string[]; match: RegExp }> = {
  py: { roots: ['/usr/lib/python3.11', '/usr/lib/python3'], match: /\.py$/ },
  js: { roots: ['node_modules'], match: /\.js$/ },
  dts: { roots: ['node_modules'], match: /\.d\.ts$/ },
  json: { roots: ['node_modules'], match: /\.json$/ },
  c: { roots: ['/usr/include'], match: /\.h$/ },
  sh: { roots: ['/usr/share/doc', '/usr/share/perl', '/usr/bin'], match: /(\.sh|\.pm|-config)$/ },
};
const DOC_KINDS: Record<string, { roots: string[]; match: RegExp }> = {
  readme: { roots: ['node_modules'], match: /^README\.md$/i },
  licence: { roots: ['node_modules', '/usr/share/common-licenses'], match: /^(LICEN[CS]E(\.md|\.txt)?|[A-Z][\w.-]*-\d[\w.]*)$/ },
  doc: { roots: ['/usr/share/doc'], match: /^README|\.txt$/ },
};
const docs = process.argv.includes('--docs');
const PER_KIND = docs ? 60 : 80;

function walk(dir: string, match: RegExp, out: string[], depth = 0): void {
  if (depth > 12 || out.length > 20_000) return;
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return;
  }
  for (const name of names) {
    const path = join(dir, name);
    let st;
    try {
      // Symbolic links are skipped: /usr/bin/X11 points at /usr/bin itself.
      st = lstatSync(path);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) continue;
    if (st.isDirectory()) walk(path, match, out, depth + 1);
    else if (match.test(name) && st.size > 800 && st.size < 2_000_000) out.push(path);
  }
}

/** A paragraph of mostly letters from the file, or null. */
function paragraph(lines: string[]): string | null {
  const paras = lines.join('\n').split(/\n\s*\n/).map((p) => p.trim())
    .filter((p) => p.length > 150 && p.length < 1500 && (p.match(/[A-Za-z ]/g)?.length ?? 0) > 0.6 * p.length);
  return paras.length === 0 ? null : paras[Math.floor(rng() * paras.length)];
}

const rng = createRng(7);
for (const [kind, { roots, match }] of Object.entries(docs ? DOC_KINDS : KINDS)) {
  const files: string[] = [];
  for (const r of roots) walk(r, match, files);
  shuffle(files, rng);
  let n = 0;
  for (const file of files) {
    if (n >= PER_KIND) break;
    let lines: string[];
    try {
      lines = readFileSync(file, 'utf8').split('\n');
    } catch {
      continue;
    }
    if (docs) {
      const p = paragraph(lines);
      if (p === null) continue;
      process.stdout.write(`${JSON.stringify({ id: `${kind}-${n}`, text: p, label: 0, source: `docs/${kind}` })}\n`);
      n++;
      continue;
    }
    if (lines.length < 10) continue;
    let i = Math.floor(rng() * (lines.length - 10));
    const target = [120, 250, 500][Math.floor(rng() * 3)];
    let chunk = '';
    while (i < lines.length && chunk.length < target) chunk += `${lines[i++]}\n`;
    chunk = chunk.trim();
    // Binaries (some `*-config` files are) are not program text.
    if (chunk.length < 60 || (chunk.match(/[A-Za-z]/g)?.length ?? 0) < 20 || /[\u0000\ufffd]/.test(chunk)) continue;
    process.stdout.write(`${JSON.stringify({ id: `${kind}-${n}`, text: chunk, label: 0, source: `code/${kind}` })}\n`);
    n++;
  }
  process.stderr.write(`${kind}: ${n} chunks from ${files.length} files\n`);
}
