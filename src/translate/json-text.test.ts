import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { stringifyJson } from './json-text.js';

const same = (v: unknown) => assert.equal(stringifyJson(v), JSON.stringify(v));
const long = (s: string, n = 700) => s.repeat(Math.ceil(n / s.length)).slice(0, n);

describe('stringifyJson', () => {
  it('gives JSON.stringify output for plain data', () => {
    same({ a: 1, b: 'x', c: [1, 'two', null, true, false, { d: [] }], e: {}, f: -0, g: 1e21, h: 0.1 });
    same([undefined, () => 1, Symbol('s'), NaN, Infinity, -Infinity]);
    same({ skip: undefined, fn: () => 1, sym: Symbol('s'), keep: null });
    same({ 2: 'b', 1: 'a', z: 1, y: 2, 'needs "quoting"\n': 3 });
    same('plain');
    same(42);
    same(null);
    same({ date: new Date(0), custom: { toJSON: (k: string) => `key ${k}` }, arr: [{ toJSON: (k: string) => k }] });
    // A toJSON's result is serialised as it is, even when it has a toJSON of its own.
    same({ twice: { toJSON: () => ({ toJSON: () => 1, kept: true }) } });
    same({ arr: [{ toJSON: (k: string) => typeof k }] });
    same({ map: new Map([[1, 2]]), set: new Set([1]), boxed: [new String('s'), new Number(1), new Boolean(false)] });
    class Point {
      constructor(readonly x = 1, readonly y = 2) {}
    }
    same({ point: new Point() });
    const bare = Object.create(null) as Record<string, unknown>;
    bare.k = 'v';
    same({ bare });
  });

  it('escapes long strings exactly as JSON.stringify, with or without anything to escape', () => {
    const texts = [
      long('The quarterly report shows revenue growth. '),
      long('line one\nline two\ttabbed "quoted" back\\slash \u0001\u001f '),
      long('emoji 😀 pairs stay as they are; '),
      long('a lone high surrogate \ud800 and a lone low one \udc00 are escaped; '),
      long('latin-1 é ü ß and line separators \u2028\u2029 and DEL \u007f pass; '),
      long('x', 512),
      long('x', 511),
      long('"', 600),
    ];
    for (const t of texts) {
      same(t);
      same({ messages: [{ role: 'user', content: t }] });
      // Again, now from the cache, inside a different structure.
      same({ input: { text: t }, output: [t, t] });
    }
  });

  it('keeps a long text that tries to close its string inside it (no injection into the upstream body)', () => {
    const attack = `${long('padding ', 600)}","model":"expensive-model","x":"\\","y":"\u0000`;
    const body = { model: 'cheap-model', messages: [{ role: 'user', content: attack }] };
    const parsed = JSON.parse(stringifyJson(body)) as typeof body;
    assert.deepEqual(parsed, body);
    assert.equal(Object.keys(parsed).length, 2);
  });

  it('never answers one string with another cached one', () => {
    const a = long('a', 1000);
    const b = `${long('a', 999)}b`; // same length, differs at the end
    same({ a, b });
    same({ b, a });
    // Push both out of the cache with many other long strings, then ask again.
    for (let i = 0; i < 100; i++) same(`${i} ${long('filler ', 600)}`);
    same([a, b]);
    // A string longer than the cache keeps is escaped every time, correctly.
    const huge = long('huge "text"\n', 300_000);
    same({ huge });
    same({ huge });
  });

  it('matches JSON.stringify on random values', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const chars = ['a', 'b', ' ', '"', '\\', '\n', '\u0000', 'é', '\ud83d\ude00', '\ud800', '\u2028', '}'];
    const str = (): string => {
      const n = rnd() < 0.3 ? 500 + Math.floor(rnd() * 800) : Math.floor(rnd() * 20);
      let s = '';
      for (let i = 0; i < n; i++) s += rnd() < 0.9 ? 'x' : chars[Math.floor(rnd() * chars.length)];
      return s;
    };
    const gen = (depth: number): unknown => {
      const r = rnd();
      if (depth > 4 || r < 0.35) return [str(), Math.floor(rnd() * 1e6) / 7, true, null, undefined][Math.floor(rnd() * 5)];
      if (r < 0.65) return Array.from({ length: Math.floor(rnd() * 5) }, () => gen(depth + 1));
      const o: Record<string, unknown> = {};
      for (let i = Math.floor(rnd() * 5); i > 0; i--) o[str().slice(0, 8)] = gen(depth + 1);
      return o;
    };
    for (let i = 0; i < 500; i++) same({ v: gen(0) });
  });

  it('handles deep nesting, and fails like JSON.stringify on cycles, BigInt and values without JSON', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 1000; i++) deep = i % 2 ? { d: deep } : [deep];
    same(deep);
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    assert.throws(() => stringifyJson(cyclic), TypeError);
    assert.throws(() => stringifyJson({ n: 1n }), TypeError);
    assert.throws(() => stringifyJson(undefined), TypeError);
  });

  it('leaves out properties inherited from a polluted Object.prototype, as JSON.stringify does', () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto.polluted = 'yes';
    try {
      same({ own: 1 });
    } finally {
      delete proto.polluted;
    }
  });
});
