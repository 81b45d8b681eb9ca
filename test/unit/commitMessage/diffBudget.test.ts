import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cutHunk, estimateTokens, fitDiff, summaryLine, type SizedFile } from '../../../src/commitMessage/diffBudget';
import type { FileDiff } from '../../../src/commitMessage/diffParse';

/** A file whose hunks are `lines` lines of 9 characters each ("+line 00\n"), one token a character. */
function file(path: string, hunkLines: readonly number[], summary?: FileDiff['summary']): SizedFile {
  const header = `diff --git a/${path} b/${path}\n`;
  const hunks = hunkLines.map((count) => Array.from({ length: count }, (_, i) => `+line ${String(i).padStart(2, '0')}\n`).join(''));
  return {
    file: { path, header, hunks, added: hunkLines.reduce((a, b) => a + b, 0), removed: 0, summary },
    headerTokens: header.length,
    hunkTokens: hunks.map((hunk) => hunk.length),
  };
}

describe('fitting a diff into a token budget', () => {
  it('keeps everything, in diff order, when it fits', () => {
    const files = [file('a.ts', [2]), file('b.ts', [1, 1])];
    const fitted = fitDiff(files, 1000);
    assert.equal(fitted.text, 'diff --git a/a.ts b/a.ts\n+line 00\n+line 01\ndiff --git a/b.ts b/b.ts\n+line 00\n+line 00\n');
    assert.deepEqual([fitted.omitted, fitted.summaries, fitted.cutHunks], [[], [], 0]);
    // Each header is charged 12 more tokens, room for a note should its hunks not fit.
    assert.equal(fitted.tokens, fitted.text.length + 2 * 12);
  });

  it('summarises lock files and binaries by a line instead of showing their hunks', () => {
    const fitted = fitDiff([file('package-lock.json', [40], 'lock file'), file('a.ts', [1])], 1000);
    assert.deepEqual(fitted.summaries, ['package-lock.json (lock file, +40 -0)']);
    assert.equal(fitted.text, 'diff --git a/a.ts b/a.ts\n+line 00\n');
    assert.equal(summaryLine(file('x.png', [], 'binary').file), 'x.png (binary, +0 -0)');
  });

  it('lets small files keep all their hunks and cuts the big one with a note', () => {
    // Headers: 2 x (25 + 12 for a note) = 74; hunks: a.ts 18, b.ts 900; budget 200 leaves 126: a.ts 18, b.ts 108.
    const fitted = fitDiff([file('b.ts', [100]), file('a.ts', [2])], 200);
    assert.ok(fitted.text.endsWith('diff --git a/a.ts b/a.ts\n+line 00\n+line 01\n'), 'the small file is whole');
    const big = fitted.text.slice(0, fitted.text.indexOf('diff --git a/a.ts'));
    assert.match(big, /^diff --git a\/b\.ts b\/b\.ts\n(\+line \d\d\n)+… \(\d+ more lines of this hunk cut\)\n$/);
    const kept = big.split('\n').filter((line) => line.startsWith('+')).length;
    // 108 tokens less the note's 12 hold 10 lines of 9.
    assert.equal(kept, 10);
    assert.match(big, /… \(90 more lines of this hunk cut\)/);
    assert.equal(fitted.cutHunks, 1);
    assert.deepEqual(fitted.omitted, []);
  });

  it('notes the hunks of a file left out after a cut one', () => {
    const fitted = fitDiff([file('a.ts', [30, 5, 5])], 37 + 100);
    assert.match(fitted.text, /… \(\d+ more lines of this hunk cut\)\n… \(2 more hunks of this file left out\)\n$/);
    assert.equal(fitted.cutHunks, 3);
  });

  it('leaves out a hunk too big to cut usefully, and says so', () => {
    const fitted = fitDiff([file('a.ts', [1, 30])], 37 + 9 + 20);
    assert.equal(fitted.text, 'diff --git a/a.ts b/a.ts\n+line 00\n… (1 hunk of this file left out)\n');
    assert.equal(fitted.cutHunks, 1);
  });

  it('omits whole files whose header does not fit, keeping the earlier ones', () => {
    const fitted = fitDiff([file('a.ts', [1]), file('b.ts', [1]), file('c.ts', [1])], 40);
    assert.deepEqual(fitted.omitted, ['b.ts', 'c.ts']);
    assert.equal(fitted.text, 'diff --git a/a.ts b/a.ts\n… (1 hunk of this file left out)\n');
    assert.equal(fitted.tokens, 25 + 12);
  });

  it('cuts a hunk at a line by its share of characters', () => {
    const hunk = '@@ -1 +1,3 @@\n+aaaa\n+bbbb\n+cccc\n';
    // 32 characters counted as 64 tokens: each 6-character line costs 12; 12 (note) + 28 + 12 = 52 holds the @@ line and one line.
    assert.equal(cutHunk(hunk, 64, 52), '@@ -1 +1,3 @@\n+aaaa\n… (2 more lines of this hunk cut)\n');
    assert.equal(cutHunk(hunk, 32, 1000), hunk, 'a hunk that fits is unchanged');
  });

  it('estimates tokens generously from characters', () => {
    assert.equal(estimateTokens(''), 0);
    assert.equal(estimateTokens('abcde'), 2);
    assert.equal(estimateTokens('abcdef'), 3);
  });
});
