import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDetectorKit } from './kit.js';

describe('createDetectorKit', () => {
  const kit = createDetectorKit();
  it('builds every deterministic detector family', () => {
    assert.deepEqual(kit.pii?.({ types: ['EMAIL'] }).scan('mail a@example.com', 'INPUT').map((f) => f.type), ['EMAIL']);
    assert.equal(kit.secrets?.().scan('AKIAIOSFODNN7EXAMPLE', 'INPUT')[0]?.type, 'AWS_ACCESS_KEY');
    assert.equal(kit.invisibleText?.().scan('a\u200Bb', 'INPUT')[0]?.type, 'ZERO_WIDTH');
    assert.equal(kit.words?.({ words: ['Secret Project'], managedLists: ['PROFANITY'] }).scan('the secret project', 'INPUT')[0]?.type, 'CUSTOM_WORD');
    assert.equal(kit.jsonSchema?.({ schema: { type: 'object' } }).scan('[]', 'OUTPUT')[0]?.type, 'JSON_SCHEMA_MISMATCH');
    assert.equal(kit.classifier, undefined);
  });
  it('maps output-handling options: allowed domains and whether HTML is blocked', () => {
    const strict = kit.outputHandling?.({ allowedLinkDomains: ['ok.example'], blockHtml: true });
    assert.deepEqual(strict?.scan('![a](https://ok.example/x.png?q=1) <script>x</script>', 'OUTPUT').map((f) => f.type), ['HTML_SCRIPT']);
    const lax = kit.outputHandling?.({ blockHtml: false });
    assert.deepEqual(lax?.scan('<script>x</script> ![a](https://evil.test/x.png?q=1)', 'OUTPUT').map((f) => f.type), ['MARKDOWN_IMAGE']);
  });
});
