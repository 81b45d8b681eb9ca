import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FIM_FORMAT } from '../../../../../src/model/fim';
import { fimSample, fimWindow, MAX_MIDDLE_LINES, pickMiddle } from '../../../../../src/finetune/dataset/samples/fimSamples';
import { keyedRandom } from '../../../../../src/finetune/dataset/split';

const FILE = [
  'import math',
  '',
  '',
  'class Circle:',
  '    """A circle."""',
  '',
  '    def __init__(self, r):',
  '        self.r = r',
  '',
  '    def area(self):',
  '        a = math.pi * self.r ** 2',
  '        return a',
  '',
  '    def perimeter(self):',
  '        return 2 * math.pi * self.r   ',
  '',
].join('\n');

const HEADER = '<repo_name>geo<file_sep>shapes.py\n';
const chars = (text: string) => text.length;

/** The sample's parts, split at its markers; `prefixAndMiddle` is the text after the middle marker. */
function parts(sample: string) {
  const body = sample.slice(HEADER.length + FIM_FORMAT.suffix.length);
  const [suffix, tail] = body.split(FIM_FORMAT.middle) as [string, string];
  return { suffix, prefixAndMiddle: tail.slice(0, -FIM_FORMAT.end.length), ends: tail.endsWith(FIM_FORMAT.end) };
}

describe('FIM middles', () => {
  it('start inside a non-blank line, before its last character, and run to the end of that line or of up to 7 more', () => {
    for (let seed = 0; seed < 200; seed++) {
      const span = pickMiddle(FILE, 0, FILE.length, keyedRandom(seed, 'shapes.py'))!;
      const middle = FILE.slice(span.start, span.end);
      const lineStart = FILE.lastIndexOf('\n', span.start - 1) + 1;
      const head = FILE.slice(lineStart, span.start);
      const line = FILE.slice(lineStart, FILE.indexOf('\n', lineStart));
      const indent = line.length - line.trimStart().length;
      assert.ok(head.length >= indent - 1, `seed ${seed}: the middle starts at the indentation's last space or after it`);
      // The pipeline heals a trailing space of the prompt: the model writes it, so the middle starts with it.
      assert.ok(!/[ \t]$/.test(head) || /^[ \t]/.test(middle), `seed ${seed}: the space before the cursor belongs to the middle`);
      if (head.trim() === '' && indent > 0) assert.match(middle, /^[ \t]\S/, `seed ${seed}: at the indentation, the middle is its last space and the code`);
      assert.ok(middle.split('\n')[0]!.trim() !== '', `seed ${seed}: the middle's first line has code to write`);
      assert.ok(middle.split('\n').length <= MAX_MIDDLE_LINES, `seed ${seed}`);
      // The middle ends its last line (only spaces may follow before the newline) and has no trailing blanks.
      assert.match(FILE.slice(span.end), /^[ \t]*(\n|$)/, `seed ${seed}`);
      assert.equal(middle, middle.trimEnd());
    }
  });

  it('start after the indentation about half the time, and have one line about half the time', () => {
    let atIndent = 0;
    let oneLine = 0;
    const n = 400;
    for (let seed = 0; seed < n; seed++) {
      const span = pickMiddle(FILE, 0, FILE.length, keyedRandom(seed, 'k'))!;
      const head = FILE.slice(FILE.lastIndexOf('\n', span.start - 1) + 1, span.start);
      if (head.trim() === '' && FILE.slice(span.start, span.end).match(/^\s?\S/)) atIndent++;
      if (!FILE.slice(span.start, span.end).includes('\n')) oneLine++;
    }
    assert.ok(atIndent / n > 0.45 && atIndent / n < 0.75, `${atIndent}`);
    assert.ok(oneLine / n > 0.4 && oneLine / n < 0.7, `${oneLine}`);
  });

  it('are the same for the same seed and key, and start in the chunk they are drawn for', () => {
    const a = pickMiddle(FILE, 0, FILE.length, keyedRandom(7, 'shapes.py'));
    assert.deepEqual(pickMiddle(FILE, 0, FILE.length, keyedRandom(7, 'shapes.py')), a);
    const from = FILE.indexOf('    def area');
    const to = FILE.indexOf('    def perimeter');
    for (let seed = 0; seed < 50; seed++) {
      const span = pickMiddle(FILE, from, to, keyedRandom(seed, 'x'))!;
      assert.ok(span.start >= from && span.start < to, `seed ${seed}`);
    }
    assert.equal(pickMiddle('\n\n  \n', 0, 4, keyedRandom(0, 'x')), undefined, 'no non-blank line');
  });
});

describe('FIM samples', () => {
  it('are a window of the file around the middle, in the format, that fits the sequence length', () => {
    for (const seqLen of [120, 200, 1000]) {
      for (let seed = 0; seed < 60; seed++) {
        const sample = fimSample(FILE, 0, FILE.length, HEADER, seqLen, chars, keyedRandom(seed, `${seqLen}`));
        if (sample === undefined) continue;
        assert.ok(sample.length + 1 <= seqLen, `${sample.length} + eos > ${seqLen}`);
        const { prefixAndMiddle, suffix, ends } = parts(sample);
        assert.ok(ends);
        const at = FILE.indexOf(prefixAndMiddle + suffix);
        assert.ok(at >= 0, `seed ${seed}: prefix, middle and suffix are contiguous text of the file`);
        assert.ok(at === 0 || FILE[at - 1] === '\n', 'the prefix starts at a line start');
        assert.ok(suffix === '' || suffix.startsWith('\n') || /^[ \t]+(\n|$)/.test(suffix), 'the suffix starts where the middle\'s line ends');
      }
    }
  });

  it('keep the whole file when it fits, and give up when the middle alone does not', () => {
    const span = { start: FILE.indexOf('a = math'), end: FILE.indexOf('\n', FILE.indexOf('a = math')) };
    const whole = fimWindow(FILE, span, HEADER, 2000, chars)!;
    assert.equal(parts(whole).prefixAndMiddle + parts(whole).suffix, FILE);
    assert.ok(parts(whole).prefixAndMiddle.endsWith(FILE.slice(span.start, span.end)), 'the middle continues the prefix');
    assert.equal(fimWindow(FILE, span, HEADER, 40, chars), undefined);
  });

  it('give the suffix at most a third of the room left by the middle, whole lines', () => {
    const span = { start: FILE.indexOf('self.r = r'), end: FILE.indexOf('\n', FILE.indexOf('self.r = r')) };
    const sample = fimWindow(FILE, span, HEADER, 160, chars)!;
    const { prefixAndMiddle, suffix } = parts(sample);
    const prefix = prefixAndMiddle.slice(0, -'self.r = r'.length);
    assert.ok(suffix.length > 0 && suffix.length <= (160 - 4 - HEADER.length - 'self.r = r'.length - 8) / 3, `${suffix.length}`);
    assert.ok(prefix.endsWith('        '), 'the cursor line\'s indentation is kept');
    assert.ok(FILE.startsWith(prefix, FILE.lastIndexOf(prefix, span.start)));
  });
});
