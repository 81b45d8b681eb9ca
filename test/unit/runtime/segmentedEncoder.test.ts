/**
 * @file Segmented encoding (runtime/segmentedEncoder.ts) with SmolLM2's real tokenizer: equal
 * to encoding the whole text on every source file of this repository and on edge cases
 * (trailing spaces, CRLF, digits, non-ASCII, special tokens), also through a cache warmed by
 * earlier versions of the text; and the cut rule is the one that matters.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { SegmentedEncoder, segmentableTokenizer, segmentStarts, type TokenizerJson } from '../../../src/runtime/segmentedEncoder';
import { loadTestTokenizer, TOKENIZER_DIR } from '../../support/tokenizer';

type Encode = (text: string) => number[];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

const EDGE_CASES = [
  'def f(x):  \n    return x\n',
  'a\n\n\n  b\n\tc\n',
  'line one\r\nline two\r\n  indented\r\n',
  'x = 12345\n67890\n',
  'é\n日本語\n🙂\n  🙂\n',
  '<file_sep>\n<filename>src/a.ts\nconst a = 1;\n<|endoftext|>\n',
  "it's\n're\n'll",
  '\n\nstarts with newlines\n',
  'ends without newline',
  '',
];

describe('segmented encoding', () => {
  let whole: Encode;
  before(async () => {
    const tokenizer = await loadTestTokenizer();
    whole = (text) => tokenizer.encode(text, { add_special_tokens: false });
  });

  it('recognises SmolLM2\'s tokenizer.json as segmentable, and refuses what would break the rule', () => {
    const json = JSON.parse(readFileSync(join(TOKENIZER_DIR, 'tokenizer.json'), 'utf8')) as TokenizerJson;
    assert.equal(segmentableTokenizer(json), true);
    assert.equal(segmentableTokenizer({ ...json, normalizer: { type: 'NFC' } }), false);
    assert.equal(segmentableTokenizer({ ...json, pre_tokenizer: { type: 'Metaspace' } }), false);
    assert.equal(segmentableTokenizer({ ...json, pre_tokenizer: { type: 'ByteLevel', use_regex: false } }), false);
    assert.equal(segmentableTokenizer({ ...json, added_tokens: [{ content: '<x>', rstrip: true }] }), false);
  });

  it('cuts only before a newline that follows a non-whitespace character', () => {
    assert.deepEqual(segmentStarts('ab\ncd  \nef\r\ngh\n\nij'), [0, 2, 14]);
  });

  it('equals whole-text encoding on every source file of the repository and on edge cases', () => {
    const texts = [...sourceFiles('src').map((f) => readFileSync(f, 'utf8')), ...EDGE_CASES];
    assert.ok(texts.length > 50);
    const encoder = new SegmentedEncoder(whole);
    for (const text of texts) assert.deepEqual(encoder.encode(text), whole(text), JSON.stringify(text.slice(0, 60)));
  });

  it('stays exact through a warm cache while a file is typed character by character', () => {
    const file = readFileSync('src/runtime/engine.ts', 'utf8').slice(0, 1500);
    const encoder = new SegmentedEncoder(whole, 64);
    let encoded = 0;
    const counting = new SegmentedEncoder((t) => (encoded++, whole(t)));
    for (let end = 1; end <= file.length; end += 7) {
      const text = file.slice(0, end);
      assert.deepEqual(encoder.encode(text), whole(text), `prefix of ${end} characters`);
      counting.encode(text);
    }
    // Each keystroke re-encodes the edited piece only, not the lines before it.
    const keystrokes = Math.ceil(file.length / 7);
    assert.ok(encoded < keystrokes * 2, `${encoded} pieces encoded for ${keystrokes} keystrokes`);
  });

  it('would be wrong with cuts before a newline that follows whitespace (the rule matters)', () => {
    // " \n" is one token; cut between the space and the newline, it becomes two.
    assert.notDeepEqual([...whole('return x '), ...whole('\n y')], whole('return x \n y'));
  });
});
