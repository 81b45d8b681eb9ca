import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findSecret, isSecretFileName } from '../../../../src/finetune/dataset/secrets';
import { fake, NEAR_MISSES, SECRET_SNIPPETS } from '../../../fixtures/secretCorpus';

const SECRET_CASES: readonly { text: string; rule: string }[] = [
  { text: fake('const id = "AKIA', 'IOSFODNN7EXAMPLE";'), rule: 'aws-access-token' },
  { text: fake('gh = ghp', '_', 'U8JZpDE0iGXlD6gNCFbaEPFjbD0kH8Oool8D'), rule: 'github-pat' },
  { text: fake('-----BEGIN OPENSSH ', 'PRIVATE KEY-----'), rule: 'private-key' },
  { text: fake('-----BEGIN RSA ', 'PRIVATE KEY-----'), rule: 'private-key' },
  { text: fake('maps = "AIza', 'SyB7x9Kp2Lr4Tv8Wn1Zs3Qm7x9Kp2Lr4Tv8"'), rule: 'gcp-api-key' },
  { text: fake('xoxb', '-2718281828-3141592653-kLmN8pQ2rS4tU6vW'), rule: 'slack-bot-token' },
  { text: fake('postgres://admin:', 'fakepass@db.example.com/app'), rule: 'url-credentials' },
  { text: 'password = "fixture-not-a-real-password"', rule: 'password-assignment' },
  { text: '"apiKey": "fake1234567890"', rule: 'secret-assignment' },
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

  // Issue #22: each of these reached the training set.
  for (const { name, text } of SECRET_SNIPPETS.filter((c) => c.issue22)) {
    it(`finds a secret in ${name}`, () => assert.notEqual(findSecret(text), undefined));
  }
  for (const { name, text } of NEAR_MISSES.filter((c) => c.issue22)) {
    it(`keeps ${name}`, () => assert.equal(findSecret(text), undefined));
  }

  it('names how a hidden secret was hidden', () => {
    const split = SECRET_SNIPPETS.find((c) => c.name.startsWith('a PEM block split'))?.text ?? '';
    assert.equal(findSecret(split), 'private-key (across string literals)');
    assert.equal(findSecret(fake('AUTH = "ZGVwbG95OlhrOW1R', 'MnZMN3BSNCE="')), 'basic-auth-credentials (base64-encoded)');
  });

  it('recognises credential files by name, but not example env files', () => {
    for (const path of ['.env', 'app/.env.local', 'keys/deploy.pem', 'home/.ssh/id_ed25519', '.npmrc', 'aws/credentials', 'infra/prod.tfvars']) {
      assert.equal(isSecretFileName(path), true, path);
    }
    for (const path of ['.env.example', 'src/env.ts', 'docs/keys.md', 'src/credentialsForm.tsx']) assert.equal(isSecretFileName(path), false, path);
  });
});
