import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSecretsDetector, entropy } from './secrets.js';

const det = createSecretsDetector();
function found(text: string): [string, string][] {
  return det.scan(text, 'INPUT').map((f) => [f.type, text.slice(f.start, f.end)]);
}

// Test values are assembled at runtime so this file does not itself look like a leaked credential.
const fake = (prefix: string, body: string): string => prefix + body;
const ALNUM36 = 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8';

describe('createSecretsDetector', () => {
  it('finds AWS access key ids and secret keys in context', () => {
    const t = `AWS_ACCESS_KEY_ID=${fake('AKIA', 'IOSFODNN7EXAMPLE')}\nAWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`;
    assert.deepEqual(found(t), [
      ['AWS_ACCESS_KEY', 'AKIAIOSFODNN7EXAMPLE'],
      ['AWS_SECRET_KEY', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'],
    ]);
  });
  it('finds vendor tokens by prefix', () => {
    const cases: [string, string][] = [
      ['GITHUB_TOKEN', fake('ghp_', ALNUM36)],
      ['GITHUB_TOKEN', fake('github_pat_', '11ABCDEFG0' + 'x'.repeat(72))],
      ['GITLAB_TOKEN', fake('glpat-', 'Ab3dE6gH9jK2mN5pQ8sT')],
      ['SLACK_TOKEN', fake('xoxb-', '123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx')],
      ['STRIPE_KEY', fake('sk_live_', '4eC39HqLyjWDarjtT1zdp7dc')],
      ['OPENAI_API_KEY', fake('sk-proj-', 'Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56')],
      ['ANTHROPIC_API_KEY', fake('sk-ant-api03-', 'A'.repeat(40) + 'b1'.repeat(25))],
      ['GOOGLE_API_KEY', fake('AIza', 'SyD-abcdefghijklmnopqrstuvwxyz01234')],
    ];
    for (const [type, value] of cases) assert.deepEqual(found(`token here: ${value} end`), [[type, value]], type);
  });
  it('finds JWTs and PEM private key blocks', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
    assert.deepEqual(found(`Authorization: Bearer ${jwt}`), [['JWT', jwt]]);
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\n-----END RSA PRIVATE KEY-----';
    assert.deepEqual(found(`key:\n${pem}\nthanks`), [['PRIVATE_KEY', pem]]);
    const cut = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC';
    assert.equal(found(cut)[0]?.[0], 'PRIVATE_KEY');
  });
  it('finds connection strings with credentials, not without', () => {
    assert.deepEqual(found('DATABASE_URL=postgres://app:s3cr3tPw@db.internal:5432/app'), [
      ['CONNECTION_STRING', 'postgres://app:s3cr3tPw@db.internal:5432/app'],
    ]);
    assert.equal(found('mongodb+srv://u:p4ssW0rd@cluster0.example.net/x')[0]?.[0], 'CONNECTION_STRING');
    assert.equal(found('url: jdbc:mysql://db:3306/app?user=a&password=Xy7pQ2z')[0]?.[0], 'CONNECTION_STRING');
    assert.deepEqual(found('postgres://db.internal:5432/app and https://user@example.com'), []);
    assert.deepEqual(found('postgres://app:${DB_PASSWORD}@db/app'), []);
  });
  it('flags high-entropy assignments and ignores placeholders', () => {
    assert.deepEqual(found('api_key = "f9Ks02LmQx7Tz1Bv8Np4"'), [['GENERIC_SECRET', 'f9Ks02LmQx7Tz1Bv8Np4']]);
    assert.deepEqual(found('password=Zx9!qT4#mL2w'), [['PASSWORD', 'Zx9!qT4#mL2w']]);
    assert.deepEqual(found('api_key = "your_api_key_here"'), []);
    assert.deepEqual(found('password=changeme'), []);
    assert.deepEqual(found('the key to success is consistency and patience'), []);
  });
  it('entropy', () => {
    assert.equal(entropy('aaaa'), 0);
    assert.equal(entropy('abcd'), 2);
  });
});
