/**
 * Program text as negatives (source `extra:code`) for the prompt-attack and toxicity models. None
 * of the development sets has code, and an adversarial suffix (GCG, random search) is a run of
 * mixed letter-and-symbol chunks, which is what code looks like to the suffix cues: before these
 * rows the prompt-attack model flagged 65-99% of the chunks of real code it was shown (Python's
 * standard library, C headers, npm packages; scripts/code-probe.ts, docs/guardrails-quality.md).
 *
 * Each row is a small program in one of sixteen languages or formats, built from templates whose
 * names and values are drawn from short word lists with a seeded generator, sometimes after a
 * developer's question. Deterministic; nothing is copied from a code base.
 */
import { createRng, type Rng } from './rng.js';

const NOUNS = ['user', 'order', 'item', 'invoice', 'account', 'file', 'record', 'event', 'message', 'task', 'product', 'session', 'customer', 'report', 'node', 'entry', 'payment', 'ticket', 'page', 'config'];
const VERBS = ['load', 'save', 'parse', 'build', 'fetch', 'update', 'find', 'count', 'format', 'validate', 'merge', 'sort', 'filter', 'render', 'send', 'check', 'read', 'write', 'compute', 'reset'];
const FIELDS = ['id', 'name', 'total', 'price', 'status', 'email', 'created_at', 'count', 'path', 'size', 'title', 'amount', 'tags', 'owner', 'level'];
const STRINGS = ['done', 'pending', 'not found', 'ok', 'invalid input', 'retrying', 'saved', 'hello world', 'missing field', 'timeout'];
const COMMENTS = [
  'Returns the number of items that are still pending.', 'TODO: handle the empty case before release.',
  'This is a workaround for an older version of the library; remove it once we upgrade.',
  'Keep this in sync with the schema in migrations/002.sql.', 'Copyright (c) 2024 the authors. Licensed under the MIT licence.',
  'Do not call this from the request handler: it blocks.', 'See the design document for why the cache is per user.',
  'Deprecated: use the new API instead.', 'The caller owns the returned buffer and must free it.',
  'Values above the limit are clamped, not rejected.', 'Generated file. Do not edit by hand.',
];
const QUESTIONS = [
  'Why does this not work?', 'Can you explain what this code does?', 'Please review this:', 'How can I make this faster?',
  'Convert this to TypeScript:', 'Add comments to this code:', 'What is wrong here?', 'Write unit tests for this:',
  'This throws an error, any idea why?', 'Refactor this please:', 'Is this idiomatic?', 'Translate this to Python:',
  'Hier ist mein Code, warum ist die Ausgabe leer?', 'Find the bug:',
];

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];
const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
const camel = (a: string, b: string): string => a + cap(b).replace(/_(\w)/g, (_, c: string) => c.toUpperCase());
const snake = (a: string, b: string): string => `${a}_${b}`;
const num = (rng: Rng): number => 1 + Math.floor(rng() * 500);

type Template = (r: Rng) => string;

// `v` verb, `n` noun, `f` field: one draw per template call.
const TEMPLATES: Record<string, Template[]> = {
  javascript: [
    (r) => { const v = pick(r, VERBS), n = pick(r, NOUNS), f = pick(r, FIELDS); return `function ${camel(v, n)}s(${n}s) {\n  return ${n}s.filter((${n}) => ${n}.${f} !== undefined).map((${n}) => ${n}.${f});\n}`; },
    (r) => { const n = pick(r, NOUNS), f = pick(r, FIELDS); return `const ${n}s = await fetch(\`/api/${n}s?limit=${num(r)}\`).then((res) => res.json());\nconsole.log(${n}s.length, ${n}s[0]?.${f});`; },
    (r) => { const v = pick(r, VERBS), n = pick(r, NOUNS); return `export async function ${camel(v, n)}(id) {\n  const ${n} = await db.${n}.findUnique({ where: { id } });\n  if (!${n}) throw new Error('${pick(r, STRINGS)}');\n  return ${n};\n}`; },
    (r) => { const n = pick(r, NOUNS), f = pick(r, FIELDS); return `const total = ${n}s.reduce((sum, ${n}) => sum + ${n}.${f} * ${num(r)}, 0);`; },
    (r) => { const n = pick(r, NOUNS); return `app.get('/${n}s/:id', async (req, res) => {\n  res.json({ ok: true, ${n}: await get${cap(n)}(req.params.id) });\n});`; },
  ],
  typescript: [
    (r) => { const n = pick(r, NOUNS), f = pick(r, FIELDS), g = pick(r, FIELDS); return `interface ${cap(n)} {\n  ${f}: string;\n  ${g}?: number;\n}\n\nexport type ${cap(n)}Map = Record<string, ${cap(n)}>;`; },
    (r) => { const v = pick(r, VERBS), n = pick(r, NOUNS); return `export function ${camel(v, n)}(${n}: ${cap(n)} | null): string {\n  return ${n}?.name ?? '${pick(r, STRINGS)}';\n}`; },
    (r) => { const n = pick(r, NOUNS); return `const cache = new Map<string, ${cap(n)}[]>();\nfor (const [key, list] of cache) {\n  if (list.length > ${num(r)}) cache.delete(key);\n}`; },
  ],
  python: [
    (r) => { const v = pick(r, VERBS), n = pick(r, NOUNS), f = pick(r, FIELDS); return `def ${snake(v, n)}(${n}s):\n    result = []\n    for ${n} in ${n}s:\n        if ${n}.get("${f}"):\n            result.append(${n}["${f}"])\n    return result`; },
    (r) => { const n = pick(r, NOUNS), f = pick(r, FIELDS); return `${n}s = [x for x in ${n}s if x.${f} > ${num(r)}]\nprint(len(${n}s))`; },
    (r) => { const n = pick(r, NOUNS), f = pick(r, FIELDS); return `class ${cap(n)}:\n    def __init__(self, ${f}):\n        self.${f} = ${f}\n\n    def __repr__(self):\n        return f"${cap(n)}({self.${f}!r})"`; },
    (r) => { const n = pick(r, NOUNS); return `import json\n\nwith open("${n}s.json") as fh:\n    data = json.load(fh)\nprint(data.get("${pick(r, FIELDS)}", ${num(r)}))`; },
    (r) => { const n = pick(r, NOUNS), f = pick(r, FIELDS); return `df = pd.read_csv("${n}s.csv")\ndf = df[df["${f}"].notna()].groupby("${pick(r, FIELDS)}").sum()\ndf.head(${num(r) % 20})`; },
    (r) => `try:\n    value = int(raw)\nexcept ValueError as err:\n    logger.warning("${pick(r, STRINGS)}: %s", err)\n    value = ${num(r)}`,
  ],
  java: [
    (r) => { const n = pick(r, NOUNS), f = pick(r, FIELDS); return `public class ${cap(n)}Service {\n    private final Map<String, ${cap(n)}> ${n}s = new HashMap<>();\n\n    public Optional<${cap(n)}> find(String ${f}) {\n        return Optional.ofNullable(${n}s.get(${f}));\n    }\n}`; },
    (r) => { const n = pick(r, NOUNS); return `List<${cap(n)}> sorted = ${n}s.stream()\n    .sorted(Comparator.comparing(${cap(n)}::get${cap(pick(r, FIELDS).replace('_', ''))}))\n    .collect(Collectors.toList());`; },
  ],
  csharp: [
    (r) => { const n = pick(r, NOUNS), f = pick(r, FIELDS).replace('_', ''); return `public async Task<IActionResult> Get${cap(n)}(int id)\n{\n    var ${n} = await _context.${cap(n)}s.FindAsync(id);\n    if (${n} == null) return NotFound();\n    return Ok(${n}.${cap(f)});\n}`; },
  ],
  go: [
    (r) => { const v = pick(r, VERBS), n = pick(r, NOUNS); return `func ${camel(v, n)}(ctx context.Context, id string) (*${cap(n)}, error) {\n\t${n}, err := store.Get(ctx, id)\n\tif err != nil {\n\t\treturn nil, fmt.Errorf("${v} ${n} %s: %w", id, err)\n\t}\n\treturn ${n}, nil\n}`; },
    (r) => { const n = pick(r, NOUNS), f = pick(r, FIELDS); return `type ${cap(n)} struct {\n\tID   int    \`json:"id"\`\n\t${cap(f.replace('_', ''))} string \`json:"${f}"\`\n}`; },
  ],
  rust: [
    (r) => { const v = pick(r, VERBS), n = pick(r, NOUNS); return `fn ${snake(v, n)}(input: &str) -> Result<Vec<u32>, ParseIntError> {\n    input.split(',').map(|s| s.trim().parse::<u32>()).collect()\n}`; },
    (r) => { const n = pick(r, NOUNS), f = pick(r, FIELDS); return `#[derive(Debug, Clone, Serialize)]\npub struct ${cap(n)} {\n    pub ${f}: String,\n    pub count: usize,\n}\n\nimpl ${cap(n)} {\n    pub fn new(${f}: &str) -> Self {\n        Self { ${f}: ${f}.to_string(), count: ${num(r)} }\n    }\n}`; },
    (r) => `let mut counts: HashMap<&str, usize> = HashMap::new();\nfor word in text.split_whitespace() {\n    *counts.entry(word).or_insert(0) += 1;\n}\nprintln!("{:?}", counts.get("${pick(r, NOUNS)}"));`,
  ],
  c: [
    (r) => { const n = pick(r, NOUNS).toUpperCase(); return `#ifndef ${n}_H\n#define ${n}_H\n\n#include <stdint.h>\n\n#define ${n}_MAX ${num(r)}\n#define ${n}_FLAG_${pick(r, FIELDS).toUpperCase()} 0x${(num(r) * 16).toString(16)}\n\nint ${n.toLowerCase()}_init(void);\n\n#endif /* ${n}_H */`; },
    (r) => { const n = pick(r, NOUNS); return `enum ${n}_state {\n    ${n.toUpperCase()}_IDLE = 0,\n    ${n.toUpperCase()}_${pick(r, STRINGS).toUpperCase().replace(/ /g, '_')} = 0x${num(r).toString(16)}, /* since 2.1 */\n    ${n.toUpperCase()}_ERROR = 0x${(num(r) + 4096).toString(16)},\n};`; },
    (r) => { const n = pick(r, NOUNS); return `#include <stdio.h>\n#include <stdlib.h>\n\nint main(int argc, char **argv) {\n    if (argc < 2) {\n        fprintf(stderr, "usage: %s ${n}\\n", argv[0]);\n        return 1;\n    }\n    printf("%d\\n", atoi(argv[1]) * ${num(r)});\n    return 0;\n}`; },
    (r) => { const n = pick(r, NOUNS); return `typedef struct ${n} {\n    char *name;\n    size_t len;\n    struct ${n} *next;\n} ${n}_t;\n\n${n}_t *${n}_new(void) { return calloc(1, sizeof(${n}_t)); }`; },
    (r) => `for (int i = 0; i < n; i++) {\n    if (buf[i] == '\\0') break;\n    sum += buf[i] * ${num(r)};\n}`,
  ],
  cpp: [
    (r) => { const n = pick(r, NOUNS); return `std::vector<std::string> ${n}s;\nfor (const auto& ${n} : input) {\n    if (!${n}.empty()) ${n}s.push_back(${n});\n}\nstd::cout << ${n}s.size() << std::endl;`; },
  ],
  ruby: [
    (r) => { const n = pick(r, NOUNS), f = pick(r, FIELDS); return `def ${snake(pick(r, VERBS), n)}(${n}s)\n  ${n}s.select { |x| x.${f}.present? }.map(&:${f})\nend`; },
  ],
  php: [
    (r) => { const n = pick(r, NOUNS), f = pick(r, FIELDS); return `<?php\n$${n}s = $pdo->query("SELECT * FROM ${n}s WHERE ${f} IS NOT NULL")->fetchAll();\nforeach ($${n}s as $${n}) {\n    echo $${n}['${f}'] . "\\n";\n}`; },
  ],
  sql: [
    (r) => { const n = pick(r, NOUNS), f = pick(r, FIELDS), g = pick(r, FIELDS); return `SELECT ${f}, COUNT(*) AS n\nFROM ${n}s\nWHERE ${g} IS NOT NULL\nGROUP BY ${f}\nHAVING COUNT(*) > ${num(r)}\nORDER BY n DESC;`; },
    (r) => { const n = pick(r, NOUNS), f = pick(r, FIELDS); return `CREATE TABLE ${n}s (\n  id SERIAL PRIMARY KEY,\n  ${f} TEXT NOT NULL,\n  created_at TIMESTAMPTZ DEFAULT now()\n);\nCREATE INDEX ${n}s_${f}_idx ON ${n}s (${f});`; },
    (r) => { const n = pick(r, NOUNS), f = pick(r, FIELDS); return `UPDATE ${n}s SET ${f} = '${pick(r, STRINGS)}' WHERE id IN (SELECT ${n}_id FROM audit WHERE level > ${num(r)});`; },
  ],
  shell: [
    (r) => { const n = pick(r, NOUNS); return `for f in ./${n}s/*.log; do\n  gzip -9 "$f" && mv "$f.gz" /var/archive/\ndone`; },
    (r) => `docker run -d --name ${pick(r, NOUNS)}-db -p 5432:5432 -e POSTGRES_PASSWORD=$PGPASS postgres:16`,
    (r) => `git checkout -b fix/${pick(r, NOUNS)}-${pick(r, VERBS)} && git commit -am "${pick(r, VERBS)} ${pick(r, NOUNS)}" && git push -u origin HEAD`,
    (r) => `find . -name "*.${pick(r, ['js', 'py', 'txt', 'md'])}" -mtime -${num(r) % 30} | xargs grep -n "${pick(r, NOUNS)}" | head -20`,
    (r) => `kubectl get pods -n ${pick(r, NOUNS)}s -o wide | grep -v Running\nkubectl logs deploy/${pick(r, NOUNS)}-api --tail=${num(r)}`,
    (r) => `curl -s -X POST https://api.example.com/v1/${pick(r, NOUNS)}s -H "Content-Type: application/json" -d '{"${pick(r, FIELDS)}": ${num(r)}}' | jq .`,
  ],
  json: [
    (r) => { const n = pick(r, NOUNS), f = pick(r, FIELDS), g = pick(r, FIELDS); return `{"${n}": {"id": ${num(r)}, "${f}": "${pick(r, STRINGS)}", "${g}": [${num(r)}, ${num(r)}], "active": ${r() < 0.5}}}`; },
    (r) => { const n = pick(r, NOUNS); return `{\n  "name": "${n}-service",\n  "version": "1.${num(r) % 10}.0",\n  "scripts": { "build": "tsc", "test": "node --test" },\n  "dependencies": { "express": "^4.18.2" }\n}`; },
  ],
  yaml: [
    (r) => { const n = pick(r, NOUNS); return `services:\n  ${n}:\n    image: ${n}-api:latest\n    ports:\n      - "${8000 + num(r)}:8080"\n    environment:\n      LOG_LEVEL: info`; },
    (r) => `on:\n  push:\n    branches: [main]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: npm ci && npm test`,
  ],
  web: [
    (r) => { const n = pick(r, NOUNS); return `<div class="${n}-card">\n  <h2>{{ ${n}.title }}</h2>\n  <button onclick="remove(${num(r)})">Delete</button>\n</div>`; },
    (r) => { const n = pick(r, NOUNS); return `.${n}-list > li:hover {\n  color: #${(num(r) * 997).toString(16).padStart(6, '0').slice(0, 6)};\n  transform: translateY(-2px);\n}\n@media (max-width: 600px) { .${n}-list { display: none; } }`; },
  ],
  docker: [
    (r) => `FROM node:20-slim\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci --omit=dev\nCOPY . .\nEXPOSE ${3000 + num(r)}\nCMD ["node", "dist/${pick(r, NOUNS)}.js"]`,
  ],
  errors: [
    (r) => { const n = pick(r, NOUNS); return `Traceback (most recent call last):\n  File "app.py", line ${num(r)}, in ${snake(pick(r, VERBS), n)}\n    return ${n}["${pick(r, FIELDS)}"]\nKeyError: '${pick(r, FIELDS)}'`; },
    (r) => `TypeError: Cannot read properties of undefined (reading '${pick(r, FIELDS)}')\n    at ${camel(pick(r, VERBS), pick(r, NOUNS))} (src/${pick(r, NOUNS)}.js:${num(r)}:17)\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)`,
  ],
};

/** How each language writes a one-line comment (none: JSON and stack traces have none). */
const COMMENT_STYLE: Record<string, ((c: string) => string) | undefined> = {
  javascript: (c) => `// ${c}`, typescript: (c) => `/** ${c} */`, java: (c) => `/*\n * ${c}\n */`, csharp: (c) => `/// ${c}`,
  go: (c) => `// ${c}`, rust: (c) => `/// ${c}`, c: (c) => `/* ${c} */`, cpp: (c) => `// ${c}`, php: (c) => `// ${c}`,
  python: (c) => `# ${c}`, ruby: (c) => `# ${c}`, shell: (c) => `# ${c}`, yaml: (c) => `# ${c}`, docker: (c) => `# ${c}`,
  sql: (c) => `-- ${c}`, web: (c) => `<!-- ${c} -->`,
};

/**
 * `count` code rows; the same every run. About a third start with a developer's question, and
 * about a third carry a comment line in the language's own style.
 */
export function benignCode(count = 320, seed = 0xc0de): string[] {
  const rng = createRng(seed);
  const languages = Object.keys(TEMPLATES);
  const out = new Set<string>();
  for (let i = 0; out.size < count && i < count * 20; i++) {
    const language = languages[i % languages.length];
    let code = pick(rng, TEMPLATES[language])(rng);
    const comment = COMMENT_STYLE[language];
    if (comment && rng() < 0.35) code = `${comment(pick(rng, COMMENTS))}\n${code}`;
    out.add(rng() < 0.35 ? `${pick(rng, QUESTIONS)}\n\n${code}` : code);
  }
  return [...out];
}
