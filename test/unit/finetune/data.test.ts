/**
 * @file The fine-tuning data reader: the three TRL line formats with the real SmolLM2 tokenizer,
 * assistant-only labels for conversations, windows for long samples, and errors that name the
 * file, the line and the accepted formats.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { makeBatch, parseSampleLine, windows } from '../../../src/finetune/data';
import { FIM_FORMAT, fimSampleText } from '../../../src/model/fim';
import { loadTokenizer, type TextTokenizer } from '../../../src/runtime/tokenizer';
import { TOKENIZER_DIR } from '../../support/tokenizer';

describe('fine-tuning data lines', () => {
  let tokenizer: TextTokenizer;
  before(async () => {
    tokenizer = await loadTokenizer(TOKENIZER_DIR);
  });

  it('{"input_ids", "labels"} is used as is, labels defaulting to the ids', () => {
    assert.deepEqual(parseSampleLine('{"input_ids":[1,2,3],"labels":[-100,2,3]}', tokenizer, 'f', 1), { inputIds: [1, 2, 3], labels: [-100, 2, 3] });
    assert.deepEqual(parseSampleLine('{"input_ids":[4,5]}', tokenizer, 'f', 1), { inputIds: [4, 5], labels: [4, 5] });
  });

  it('{"text"} is tokenized with labels = ids and the end-of-sequence token appended', () => {
    const s = parseSampleLine('{"text":"const x = 1;"}', tokenizer, 'f', 1);
    assert.deepEqual(s.inputIds, [...tokenizer.encode('const x = 1;'), tokenizer.eosTokenId]);
    assert.deepEqual(s.labels, s.inputIds);
  });

  it('a fill-in-the-middle {"text"} sample is labelled after its middle marker only: prefix, middle and end token', () => {
    const text = fimSampleText('<repo_name>r<file_sep>a.ts\n', 'const x = ', ' 1;', ';\nconst y = 2;\n');
    const s = parseSampleLine(JSON.stringify({ text }), tokenizer, 'f', 1);
    assert.deepEqual(s.inputIds, tokenizer.encode(text));
    const middle = s.inputIds.indexOf(FIM_FORMAT.ids.middle);
    assert.ok(middle > 0);
    assert.deepEqual(s.labels.slice(0, middle + 1), s.inputIds.slice(0, middle + 1).map(() => -100));
    assert.deepEqual(s.labels.slice(middle + 1), [...tokenizer.encode('const x =  1;'), FIM_FORMAT.ids.end]);
  });

  it('{"messages"} labels only the assistant replies and their end-of-turn token', () => {
    const line = JSON.stringify({ messages: [{ role: 'user', content: 'Say hi' }, { role: 'assistant', content: 'hi there' }] });
    const s = parseSampleLine(line, tokenizer, 'f', 1);
    const labelled = s.labels.filter((l) => l !== -100);
    assert.deepEqual(labelled, [...tokenizer.encode('hi there'), tokenizer.eosTokenId]);
    assert.equal(s.inputIds.length, s.labels.length);
    assert.ok(tokenizer.decode(s.inputIds).startsWith(tokenizer.chatPrompt([{ role: 'user', content: 'Say hi' }])));
  });

  const bad: [string, RegExp][] = [
    ['not json', /data\.jsonl:7: not valid JSON/],
    ['{"prompt":"x"}', /no "text", "messages" or "input_ids" key \(keys: prompt\)/],
    ['{"input_ids":[1,2],"labels":[1]}', /"labels" must be an array of 2 integers/],
    ['{"messages":[{"role":"robot","content":"x"}]}', /messages\[0\] must be/],
    ['{"messages":[{"role":"user","content":"x"}]}', /no assistant message/],
  ];
  for (const [line, message] of bad) {
    it(`rejects ${line} naming the line and the formats`, () => {
      assert.throws(() => parseSampleLine(line, tokenizer, 'data.jsonl', 7), message);
      assert.throws(() => parseSampleLine(line, tokenizer, 'data.jsonl', 7), /each line must be \{"text"\}, \{"messages"\} or \{"input_ids"/);
    });
  }

  it('splits long samples into windows and right-pads batches with ignored labels', () => {
    const ids = Array.from({ length: 10 }, (_, i) => i + 1);
    const parts = windows({ inputIds: ids, labels: ids }, 4);
    assert.deepEqual(parts.map((p) => p.inputIds), [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10]]);
    const batch = makeBatch([parts[2], undefined], 4);
    assert.deepEqual([...batch.inputIds], [9n, 10n, 0n, 0n, 0n, 0n, 0n, 0n]);
    assert.deepEqual([...batch.attentionMask], [1n, 1n, 0n, 0n, 0n, 0n, 0n, 0n]);
    assert.deepEqual([...batch.labels], [9n, 10n, -100n, -100n, -100n, -100n, -100n, -100n]);
  });
});
