import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COMMIT_INSTRUCTION, COMMIT_SYSTEM_PROMPT, commitPrompt, EXAMPLE, omittedNote } from '../../../src/commitMessage/commitPrompt';
import { parseDiff } from '../../../src/commitMessage/diffParse';
import { ADDED, LOCK, MODIFIED } from './diffs';

describe('the commit-message prompt', () => {
  it('gives one worked example, then the instruction, the files and the fitted diff', () => {
    const files = parseDiff(MODIFIED + LOCK + ADDED);
    const messages = commitPrompt(files, {
      text: 'diff --git a/src/math.ts b/src/math.ts\n@@ -1 +1 @@\n-a\n+b\n',
      summaries: ['package-lock.json (lock file, +1 -1)'],
      omitted: ['docs/usage.md'],
      cutHunks: 0,
      tokens: 0,
    });
    assert.deepEqual(messages.map((message) => message.role), ['system', 'user', 'assistant', 'user']);
    assert.equal(messages[0].content, COMMIT_SYSTEM_PROMPT);
    assert.equal(messages[1].content, `${COMMIT_INSTRUCTION}\n\nFiles changed:\n${EXAMPLE.files.join('\n')}\n\n\`\`\`diff\n${EXAMPLE.diff}\n\`\`\``);
    assert.equal(messages[2].content, EXAMPLE.message);
    assert.equal(
      messages[3].content,
      [
        COMMIT_INSTRUCTION,
        '',
        'Files changed:',
        '- src/math.ts (+6 -1)',
        '- package-lock.json (lock file, +1 -1)',
        '(1 more file omitted: docs/usage.md)',
        '',
        '```diff',
        'diff --git a/src/math.ts b/src/math.ts',
        '@@ -1 +1 @@',
        '-a',
        '+b',
        '```',
      ].join('\n'),
    );
    assert.match(COMMIT_INSTRUCTION, /type\(scope\): subject.*feat, fix, docs.*at most 72 characters/s);
  });

  it('leaves the diff block out when nothing of it fits', () => {
    const messages = commitPrompt(parseDiff(LOCK), { text: '', summaries: ['package-lock.json (lock file, +1 -1)'], omitted: [], cutHunks: 0, tokens: 0 });
    assert.ok(!messages[3].content.includes('```'));
  });

  it('names at most ten omitted files and counts the rest', () => {
    assert.equal(omittedNote([]), '');
    assert.equal(omittedNote(['a', 'b']), '(2 more files omitted: a, b)');
    const many = Array.from({ length: 13 }, (_, i) => `f${i}`);
    assert.equal(omittedNote(many), '(13 more files omitted: f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, and 3 others)');
  });
});
