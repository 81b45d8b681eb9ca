import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findSecret, isSecretFileName } from '../../../../src/finetune/dataset/secrets';

// Fake values assembled from pieces, so that secret scanners do not flag this file.
const fake = (...parts: string[]) => parts.join('');

const SECRET_CASES: readonly { text: string; rule: string }[] = [
  { text: fake('const id = "AKIA', 'IOSFODNN7EXAMPLE";'), rule: 'aws-access-key-id' },
  { text: fake('token: ghp', '_', 'FAKE'.repeat(9)), rule: 'github-token' },
  { text: fake('-----BEGIN OPENSSH ', 'PRIVATE KEY-----'), rule: 'private-key' },
  { text: fake('-----BEGIN RSA ', 'PRIVATE KEY-----'), rule: 'private-key' },
  { text: fake('key = "AIza', 'FAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAK"'), rule: 'google-api-key' },
  { text: fake('xoxb', '-1234567890-FAKEFAKE'), rule: 'slack-token' },
  { text: fake('postgres://admin:', 'fakepass@db.example.com/app'), rule: 'url-credentials' },
  { text: 'password = "fixture-not-a-real-password"', rule: 'password-assignment' },
  { text: '"apiKey": "fake1234567890"', rule: 'password-assignment' },
  { text: "DB_PASSWORD: 'fake-db-pass'", rule: 'password-assignment' },
];

const CLEAN_CASES: readonly string[] = [
  'password = ""',
  'password = input("Password: ")',
  'const password = process.env.DB_PASSWORD;',
  'api_key = "<your-api-key>"',
  'secret = "${SECRET}"',
  'password: "changeme"',
  'The AKIA prefix marks AWS access key ids.',
  'const url = "https://example.com/path";',
];

describe('secret detection', () => {
  for (const { text, rule } of SECRET_CASES) {
    it(`finds ${rule} in ${JSON.stringify(text.slice(0, 24))}…`, () => assert.equal(findSecret(text), rule));
  }
  for (const text of CLEAN_CASES) {
    it(`finds nothing in ${JSON.stringify(text)}`, () => assert.equal(findSecret(text), undefined));
  }

  it('recognises credential files by name, but not example env files', () => {
    for (const path of ['.env', 'app/.env.local', 'keys/deploy.pem', 'home/.ssh/id_ed25519', '.npmrc', 'aws/credentials', 'infra/prod.tfvars']) {
      assert.equal(isSecretFileName(path), true, path);
    }
    for (const path of ['.env.example', 'src/env.ts', 'docs/keys.md', 'src/credentialsForm.tsx']) assert.equal(isSecretFileName(path), false, path);
  });
});
