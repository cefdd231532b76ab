import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LiteralCollector, literalHits, registerLiterals, registeredLiterals } from './literals.js';
import { createPiiDetector } from './pii/index.js';
import { createSecretsDetector } from './secrets.js';
import { createWordsDetector } from './words.js';

describe('literals', () => {
  it('finds every occurrence of every registered literal, case-insensitively', () => {
    const [pass, word] = registerLiterals(['lit-test-pass', 'lit-test-password']);
    const text = 'LIT-TEST-PASSWORD and lit-test-pass';
    const hits = literalHits(`${text} `.trim());
    assert.deepEqual(hits[pass], [0, 22]);
    assert.deepEqual(hits[word], [0]);
  });

  it('does not keep hits gathered before a literal was added', () => {
    const before = registeredLiterals();
    const late = registerLiterals([`lit-test-late-${before.version}`])[0];
    const text = `a text with lit-test-late-${before.version} in it`;
    const stale = new LiteralCollector(before.words.length, before.version);
    assert.equal(stale.remember(text), undefined);
    // The text is scanned afresh, so the new literal is found.
    assert.deepEqual(literalHits(text)[late], [12]);
  });

  it('PII and secrets find the same after the word filter scanned the text for them', () => {
    const texts = [
      'My password: hunter2!x and the passport no. 123456789, PIN 1234, cvv 123, DL: A1234567.',
      'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY and AKIAIOSFODNN7EXAMPLE',
      'SWIFT DEUTDEFF500 via bank transfer; lives at 12 Rue de la Paix; zip code is 94105',
      'token: ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa see www.Example.org',
    ];
    const words = createWordsDetector({ words: ['nothing-here'], managedLists: ['PROFANITY'] });
    const pii = createPiiDetector();
    const secrets = createSecretsDetector();
    for (const t of texts) {
      // Fresh copies: the first pair is scanned cold, the second after the word filter saw the text.
      const cold = `${t}|`.slice(0, -1);
      const expectedPii = pii.scan(cold, 'INPUT');
      const expectedSecrets = secrets.scan(cold, 'INPUT');
      const warm = `|${t}`.slice(1);
      words.scan(warm, 'INPUT');
      assert.deepEqual(pii.scan(warm, 'INPUT'), expectedPii);
      assert.deepEqual(secrets.scan(warm, 'INPUT'), expectedSecrets);
      assert.ok(expectedPii.length + expectedSecrets.length > 0, t);
    }
  });
});
