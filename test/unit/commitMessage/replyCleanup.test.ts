import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cleanReply, fitSubject, looksLikeCode } from '../../../src/commitMessage/replyCleanup';

describe('cleaning the model\'s reply into a commit message', () => {
  const cases: Array<[string, string, string]> = [
    ['a plain message is kept', 'feat(math): add subtract\n\nCallers needed the difference.', 'feat(math): add subtract\n\nCallers needed the difference.'],
    ['code fences around it are removed', '```\nfix: handle empty input\n```', 'fix: handle empty input'],
    ['a fenced message after a preamble is taken from the fence', 'Here is the commit message:\n```text\nfeat: add subtract\n```\nThis message follows the format.', 'feat: add subtract'],
    ['a preamble line is dropped', 'Here\'s a commit message for the change:\n\nfeat: add subtract', 'feat: add subtract'],
    ['a "Commit message:" label before the subject is dropped', 'Commit message: feat(math): add subtract', 'feat(math): add subtract'],
    ['a label on its own line is dropped', 'Commit message:\nfeat(math): add subtract', 'feat(math): add subtract'],
    ['quotes around the subject are removed', '"docs: describe usage"', 'docs: describe usage'],
    ['backticks and bold around the subject are removed', '**`chore: bump version`**', 'chore: bump version'],
    ['Subject/Body labels are removed', 'Subject: feat: add subtract\nBody: Callers needed it.', 'feat: add subtract\n\nCallers needed it.'],
    ['a capitalised type is lowered', 'Feat(math): Add subtract', 'feat(math): Add subtract'],
    ['an unknown type is left alone', 'Update: add subtract', 'Update: add subtract'],
    ['an echoed diff after the message is cut', 'feat: add subtract\n\ndiff --git a/src/math.ts b/src/math.ts\n+export function', 'feat: add subtract'],
    ['a comment after the message is cut', 'feat: add subtract\n\nNote: this follows Conventional Commits.', 'feat: add subtract'],
    ['blank lines are collapsed and trailing spaces trimmed', '\n\nfix: x  \n\n\n\nbody line   \n\n', 'fix: x\n\nbody line'],
    ['code after the message is cut', 'feat(math): add subtract\n\nAdds the difference.\nconst math = require(\'./math\');\nmath.subtract(1, 2);', 'feat(math): add subtract\n\nAdds the difference.'],
    ['a reply that is only code gives nothing', 'const math = require(\'../lib/math\');\n\nMath.add({', ''],
    ['a Markdown heading marker is removed', '# feat: add subtract', 'feat: add subtract'],
    ['an empty reply gives nothing', '  \n', ''],
    ['a reply of only a preamble gives nothing', 'Sure! Here is the commit message:', ''],
  ];
  for (const [name, reply, expected] of cases) {
    it(name, () => assert.equal(cleanReply(reply), expected));
  }

  it('works on a streamed prefix: an open fence gives what is inside so far', () => {
    assert.equal(cleanReply('```\nfeat: add sub'), 'feat: add sub');
    assert.equal(cleanReply('Commit mess'), 'Commit mess');
    assert.equal(cleanReply('Commit message:'), '');
  });

  it('tells code from prose by its ends and first words', () => {
    assert.ok(looksLikeCode('  return a - b;'));
    assert.ok(looksLikeCode('export function subtract(a, b) {'));
    assert.ok(looksLikeCode('}'));
    assert.ok(looksLikeCode('def reverse(text):'));
    assert.ok(!looksLikeCode('feat(math): add subtract'));
    assert.ok(!looksLikeCode('Callers needed the difference of two numbers.'));
    assert.ok(!looksLikeCode('Refs #7'));
  });

  it('reads CRLF replies', () => {
    assert.equal(cleanReply('feat: a\r\n\r\nwhy'), 'feat: a\n\nwhy');
  });

  it('cuts a long subject to 72 characters at a word boundary', () => {
    const long = 'feat(math): add a subtract function that takes two numbers and returns their difference for callers';
    const cut = fitSubject(long);
    assert.equal(cut, 'feat(math): add a subtract function that takes two numbers and returns');
    assert.ok(cut.length <= 72);
    assert.equal(cleanReply(`${long}\n\nbody`), `${cut}\n\nbody`);
    assert.equal(fitSubject('x'.repeat(100)), 'x'.repeat(72), 'one long word is cut hard');
    assert.equal(fitSubject('fix: short'), 'fix: short');
  });
});
