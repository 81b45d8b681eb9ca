import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ChatMessage } from '../../../src/runtime/tokenizer';
import { buildDataset, OUTPUT_FILES } from '../../../src/finetune/dataset/pipeline';
import { loadSampleTokenizer } from '../../../src/finetune/dataset/samples/sampleTokenizer';
import { IGNORE_INDEX, tokenizeChat } from '../../../src/finetune/dataset/samples/tokenize';
import { writeFixture } from '../../fixtures/dataset-repo/index';
import { loadTestTokenizer } from '../../support/tokenizer';

type Reference = Awaited<ReturnType<typeof loadTestTokenizer>>;
interface TokensRecord {
  input_ids: number[];
  labels: number[];
}

/**
 * The labels the ids should have, derived from the token stream alone: inside a turn opened by
 * `<|im_start|>assistant\n`, every token through the closing `<|im_end|>` carries loss.
 */
function expectedLabels(ids: readonly number[], reference: Reference): number[] {
  const [start, end] = reference.encode('<|im_start|><|im_end|>', { add_special_tokens: false });
  const header = reference.encode('assistant\n', { add_special_tokens: false });
  const labels: number[] = [];
  let inAssistant = false;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] as number;
    if (id === start && header.every((h, j) => ids[i + 1 + j] === h)) {
      labels.push(IGNORE_INDEX, ...header.map(() => IGNORE_INDEX));
      i += header.length;
      inAssistant = true;
      continue;
    }
    labels.push(inAssistant ? id : IGNORE_INDEX);
    if (id === end) inAssistant = false;
  }
  return labels;
}

/** The ids of the whole conversation from transformers.js's own `apply_chat_template`. */
function templateIds(reference: Reference, messages: readonly ChatMessage[]): number[] {
  const out = reference.apply_chat_template([...messages], { tokenize: true, add_generation_prompt: false, return_tensor: false }) as unknown as { input_ids: number[] };
  return out.input_ids;
}

describe('tokenised samples', () => {
  let temp: string;
  let reference: Reference;
  let records: TokensRecord[];
  let chats: { messages: ChatMessage[] }[];
  let codes: { text: string }[];

  before(async () => {
    temp = await mkdtemp(join(tmpdir(), 'smolcode-dataset-tokens-'));
    await writeFixture(join(temp, 'repo'));
    const tokenizer = await loadSampleTokenizer((await import('../../support/tokenizer')).TOKENIZER_DIR);
    // A short sequence length, so that long files are cut into several chunks.
    await buildDataset({ workspace: join(temp, 'repo'), out: join(temp, 'out'), seqLen: 128, seed: 1 }, { tokenizer });
    reference = await loadTestTokenizer();
    const read = async <T>(name: string) =>
      (await readFile(join(temp, 'out', name), 'utf8')).split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as T);
    records = [...(await read<TokensRecord>(OUTPUT_FILES.tokens('train'))), ...(await read<TokensRecord>(OUTPUT_FILES.tokens('validation')))];
    chats = [...(await read<{ messages: ChatMessage[] }>(OUTPUT_FILES.chat('train'))), ...(await read<{ messages: ChatMessage[] }>(OUTPUT_FILES.chat('validation')))];
    codes = [...(await read<{ text: string }>(OUTPUT_FILES.code('train'))), ...(await read<{ text: string }>(OUTPUT_FILES.code('validation')))];
  });
  after(async () => {
    await rm(temp, { recursive: true, force: true });
  });

  it('encode every conversation exactly as the real chat template and tokenizer do', () => {
    const byIds = new Map(records.map((r) => [JSON.stringify(r.input_ids), r]));
    assert.ok(chats.length > 10, `only ${chats.length} conversations`);
    for (const { messages } of chats) {
      const ids = templateIds(reference, messages);
      assert.ok(byIds.has(JSON.stringify(ids)), `no tokenised record for: ${messages[0]?.content.slice(0, 60)}`);
    }
  });

  it('mask exactly the tokens outside assistant turns', () => {
    let trained = 0;
    for (const { messages } of chats) {
      const ids = templateIds(reference, messages);
      const record = records.find((r) => r.input_ids.length === ids.length && r.input_ids.every((x, i) => x === ids[i])) as TokensRecord;
      assert.deepEqual(record.labels, expectedLabels(ids, reference));
      const text = reference.decode(record.input_ids.filter((_, i) => record.labels[i] !== IGNORE_INDEX), { skip_special_tokens: false });
      assert.equal(text, `${messages[1]?.content}<|im_end|>`);
      trained++;
    }
    assert.equal(trained, chats.length);
  });

  it('encode every code chunk as the real tokenizer does, with loss on every token', () => {
    const byIds = new Set(records.map((r) => JSON.stringify(r.input_ids)));
    let ended = 0;
    assert.ok(codes.length > 0);
    for (const { text } of codes) {
      const plain = JSON.stringify(reference.encode(text, { add_special_tokens: false }));
      const last = JSON.stringify(reference.encode(`${text}<|endoftext|>`, { add_special_tokens: false }));
      assert.ok(byIds.has(plain) || byIds.has(last), `no tokenised record for the chunk ${text.slice(0, 60)}`);
      if (byIds.has(last)) ended++;
      assert.ok(reference.encode(text, { add_special_tokens: false }).length <= 128);
    }
    assert.ok(ended > 0 && ended < codes.length, 'only the last chunk of a file ends with <|endoftext|>');
    for (const record of records.filter((r) => !r.labels.includes(IGNORE_INDEX))) assert.deepEqual(record.labels, record.input_ids);
  });

  it('agree with the full rendering for multi-turn conversations with a system message', async () => {
    const tokenizer = await loadSampleTokenizer((await import('../../support/tokenizer')).TOKENIZER_DIR);
    const messages: ChatMessage[] = [
      { role: 'system', content: 'You write Go.' },
      { role: 'user', content: 'Sum two ints.' },
      { role: 'assistant', content: '```go\nfunc add(a, b int) int { return a + b }\n```' },
      { role: 'user', content: 'Now subtract.' },
      { role: 'assistant', content: 'func sub(a, b int) int {\n\treturn a - b\n}' },
    ];
    const sample = tokenizeChat(tokenizer, messages);
    const ids = templateIds(reference, messages);
    assert.deepEqual(sample.input_ids, ids);
    assert.deepEqual(sample.labels, expectedLabels(ids, reference));
  });
});
