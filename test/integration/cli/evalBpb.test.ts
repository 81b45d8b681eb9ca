/**
 * @file `smolcode eval bpb` on a generated model: its JSON equals bits per byte computed here,
 * independently, from one pass of the plain graph over the whole text (fp32 and q4), windows
 * shorter than the text cover the same tokens and bytes, and bad invocations are usage errors.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadTokenizer } from '../../../src/runtime/tokenizer';
import { GraphSession, type GraphFeed } from '../../../src/runtime/session';
import { makeTempModel, type TempModel } from '../../support/tinyModel';

const CODE = 'def clamp(value, low, high):\n    """Keep value within [low, high] — inclusive."""\n    return min(high, max(low, value))\n';

interface Scores {
  bytes: number;
  tokens: number;
  nats: number;
  bitsPerByte: number;
  bitsPerToken: number;
}

interface Printed {
  dtype: string;
  provider: string;
  window: number;
  stride: number;
  files: (Scores & { path: string; language: string })[];
  languages: Record<string, Scores & { files: number }>;
  total: Scores & { files: number };
}

function cli(args: readonly string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'eval', ...args], { encoding: 'utf8' });
}

/** Bits per byte of `text` after <|endoftext|> (id 0), from one run of `graph` and a log-softmax in float64. */
async function referenceBits(model: TempModel, graph: string, ids: readonly number[]): Promise<number> {
  const { numHiddenLayers, numKeyValueHeads, headDim, vocabSize } = model.config;
  const seq = [0, ...ids];
  const n = seq.length;
  const feeds: Record<string, GraphFeed> = {
    input_ids: { data: BigInt64Array.from(seq, BigInt), dims: [1, n] },
    attention_mask: { data: new BigInt64Array(n).fill(1n), dims: [1, n] },
    position_ids: { data: BigInt64Array.from(seq, (_, i) => BigInt(i)), dims: [1, n] },
  };
  for (let layer = 0; layer < numHiddenLayers; layer++) {
    for (const kind of ['key', 'value']) feeds[`past_key_values.${layer}.${kind}`] = { data: new Float32Array(0), dims: [1, numKeyValueHeads, 0, headDim] };
  }
  const session = await GraphSession.open(join(model.dir, graph), { device: 'cpu', threads: 1 });
  try {
    const logits = (await session.run(feeds, ['logits'])).logits as Float32Array;
    assert.equal(logits.length, n * vocabSize);
    let nats = 0;
    for (let t = 1; t < n; t++) {
      const row = Array.from(logits.subarray((t - 1) * vocabSize, t * vocabSize));
      const max = Math.max(...row);
      const logSum = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
      nats += logSum - (row[seq[t] as number] as number);
    }
    return nats / Math.LN2;
  } finally {
    await session.dispose();
  }
}

describe('smolcode eval bpb', () => {
  let model: TempModel;
  let dir: string;
  let file: string;
  let ids: number[];

  before(async () => {
    model = makeTempModel({ variants: ['fp32', 'q4'] });
    dir = mkdtempSync(join(tmpdir(), 'smolcode-eval-'));
    file = join(dir, 'clamp.py');
    writeFileSync(file, CODE);
    ids = (await loadTokenizer(model.dir)).encode(CODE);
  });

  after(() => {
    model.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [dtype, graph] of [['fp32', 'onnx/model.onnx'], ['q4', 'onnx/model_q4.onnx']] as const) {
    it(`--json equals bits per byte from the full logits of one pass (${dtype})`, async () => {
      const run = cli(['bpb', '--model', model.dir, '--dtype', dtype, '--threads', '1', '--json', file]);
      assert.equal(run.status, 0, run.stderr);
      const printed = JSON.parse(run.stdout) as Printed;
      const bytes = Buffer.byteLength(CODE);
      assert.ok(bytes > CODE.length, 'the text has multi-byte characters');
      const bits = await referenceBits(model, graph, ids);
      assert.deepEqual([printed.dtype, printed.provider, printed.window, printed.stride], [dtype, 'cpu', 512, 256]);
      assert.equal(printed.files.length, 1);
      const [scored] = printed.files;
      assert.deepEqual([scored?.path, scored?.language, scored?.bytes, scored?.tokens], [file, 'Python', bytes, ids.length]);
      const close = (actual: number | undefined, expected: number) => assert.ok(Math.abs((actual as number) - expected) <= 1e-5 * expected, `${actual} vs ${expected}`);
      close(scored?.bitsPerByte, bits / bytes);
      close(scored?.bitsPerToken, bits / ids.length);
      close(printed.languages.Python?.bitsPerByte, bits / bytes);
      close(printed.total.bitsPerByte, bits / bytes);
      // A random model is far from the text: more than a few bits per byte.
      assert.ok(bits / bytes > 2, `${bits / bytes}`);
    });
  }

  it('windows shorter than the text score the same tokens and bytes, and print tables without --json', () => {
    const whole = JSON.parse(cli(['bpb', '--model', model.dir, '--dtype', 'fp32', '--threads', '1', '--json', file]).stdout) as Printed;
    const run = cli(['bpb', '--model', model.dir, '--dtype', 'fp32', '--threads', '1', '--window', '8', '--stride', '3', '--json', file]);
    assert.equal(run.status, 0, run.stderr);
    const windowed = JSON.parse(run.stdout) as Printed;
    assert.deepEqual([windowed.window, windowed.stride, windowed.total.tokens, windowed.total.bytes], [8, 3, whole.total.tokens, whole.total.bytes]);
    assert.notEqual(windowed.total.nats, whole.total.nats);

    const text = cli(['bpb', '--model', model.dir, '--dtype', 'fp32', '--threads', '1', dir]);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /fp32 on cpu, window 512, stride 256/);
    assert.match(text.stdout, new RegExp(`clamp\\.py\\s+${whole.total.bytes}\\s+${whole.total.tokens}\\s+${whole.total.bitsPerToken.toFixed(4)}\\s+${whole.total.bitsPerByte.toFixed(4)}`));
    assert.match(text.stdout, /\nall\s+1\s+/);
  });

  it('names what is wrong with an invocation', () => {
    const cases: [string[], RegExp][] = [
      [[], /name a measurement: completion, chat, bpb/],
      [['accuracy'], /unknown measurement "accuracy"; known: completion, chat, bpb/],
      [['perplexity', '--model', model.dir], /name the FILES_OR_DIRS to score/],
      [['bpb', '--model', model.dir], /name the FILES_OR_DIRS to score/],
      [['bpb', '--model', model.dir, '--window', '4', '--stride', '4', file], /--window 4 --stride 4: the stride must be an integer from 1 to the window minus one \(3\), got 4/],
      [['bpb', '--model', model.dir, '--window', '4096', file], /--window 4096 is longer than the model's context of 2048 tokens/],
      [['bpb', '--model', model.dir, join(dir, 'missing.py')], /missing\.py: no such file or folder/],
    ];
    for (const [args, message] of cases) {
      const run = cli(args);
      assert.equal(run.status, 2, args.join(' '));
      assert.match(run.stderr, message, args.join(' '));
    }
  });
});
