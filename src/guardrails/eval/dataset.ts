/**
 * Reading the evaluation sets (JSON Lines in the ../shared/eval format): one object a line with
 * `id`, `text`, `source` and either `label` (classifiers) or `spans` (PII).
 */
import { readFileSync } from 'node:fs';

export interface LabelledRow {
  id: string;
  text: string;
  /** true = positive class. */
  label: boolean;
  source: string;
  category?: string;
}

export interface GoldSpan {
  type: string;
  start: number;
  end: number;
}

export interface PiiRow {
  id: string;
  text: string;
  spans: GoldSpan[];
  source: string;
}

/** Labels counted positive: 1/true and the toxicity classes `hate` and `offensive`. */
const POSITIVE = new Set(['1', 'true', 'hate', 'offensive', 'positive', 'unsafe', 'harmful', 'injection', 'jailbreak']);
const NEGATIVE = new Set(['0', 'false', 'neither', 'negative', 'safe', 'benign']);

export function parseLabel(value: unknown, where: string): boolean {
  if (value === 1 || value === true) return true;
  if (value === 0 || value === false) return false;
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (POSITIVE.has(v)) return true;
    if (NEGATIVE.has(v)) return false;
  }
  throw new Error(`${where}: unknown label ${JSON.stringify(value)}`);
}

function parseLines(content: string, file: string): Array<{ obj: Record<string, unknown>; where: string }> {
  const out: Array<{ obj: Record<string, unknown>; where: string }> = [];
  const lines = content.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const where = `${file}:${i + 1}`;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch {
      throw new Error(`${where}: not valid JSON`);
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new Error(`${where}: not a JSON object`);
    const rec = obj as Record<string, unknown>;
    if (typeof rec.text !== 'string') throw new Error(`${where}: missing string field "text"`);
    out.push({ obj: rec, where });
  }
  return out;
}

function idOf(obj: Record<string, unknown>, index: number): string {
  return typeof obj.id === 'string' || typeof obj.id === 'number' ? String(obj.id) : String(index);
}

export function parseLabelled(content: string, file = 'dataset'): LabelledRow[] {
  return parseLines(content, file).map(({ obj, where }, i) => ({
    id: idOf(obj, i),
    text: obj.text as string,
    label: parseLabel(obj.label, where),
    source: typeof obj.source === 'string' ? obj.source : '',
    ...(typeof obj.category === 'string' ? { category: obj.category } : {}),
  }));
}

export function parsePii(content: string, file = 'dataset'): PiiRow[] {
  return parseLines(content, file).map(({ obj, where }, i) => {
    const spans = obj.spans;
    if (!Array.isArray(spans)) throw new Error(`${where}: missing array field "spans"`);
    const gold: GoldSpan[] = spans.map((s: unknown, k) => {
      const r = s as Record<string, unknown>;
      if (typeof r?.type !== 'string' || typeof r.start !== 'number' || typeof r.end !== 'number') {
        throw new Error(`${where}: spans[${k}] needs type, start, end`);
      }
      return { type: r.type, start: r.start, end: r.end };
    });
    return { id: idOf(obj, i), text: obj.text as string, spans: gold, source: typeof obj.source === 'string' ? obj.source : '' };
  });
}

export function readLabelled(file: string): LabelledRow[] {
  return parseLabelled(readFileSync(file, 'utf8'), file);
}

export function readPii(file: string): PiiRow[] {
  return parsePii(readFileSync(file, 'utf8'), file);
}
