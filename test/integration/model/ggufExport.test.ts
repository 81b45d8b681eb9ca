/**
 * @file Exporting a fine-tuned model as GGUF: the tiny random instruct model with a synthesized
 * PEFT adapter merged in, written as F16 and Q8_0. (1) llama.cpp (node-llama-cpp's prebuilt CPU
 * build) loads each file, and its greedy tokens equal our engine's on the merged model folder
 * (`smolcode merge`, fp32) for F16; Q8_0's agreement is reported (llama.cpp also quantizes the
 * activations to 8 bits there). (2) Our own importer reads each file back, and its logits equal
 * the merged model's within the type's precision. (3) The real SmolLM2-135M-Instruct, imported
 * from the released GGUF and exported again, carries that file's metadata and tensor layout, and
 * llama.cpp continues a code prompt as our engine does.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exportGgufCommand } from '../../../src/cli/commands/exportGguf';
import { saveAdapter } from '../../../src/finetune/adapter';
import { exportModelAsGguf } from '../../../src/finetune/exportGguf';
import { mergeAdapter } from '../../../src/finetune/merge';
import { GgufFile } from '../../../src/graph/gguf/ggufFile';
import { Rng } from '../../../src/graph/rng';
import { importGguf } from '../../../src/model/ggufImport';
import { loraModules, type LoraConfig } from '../../../src/model/lora';
import { Engine } from '../../../src/runtime/engine';
import { openOrtModel, runOrt } from '../../support/ortModel';
import { importedModel, llamaCppGreedy, preparedGguf, preparedLlamaCpp } from '../../support/realModel';
import { makeTempModel, type TempModel } from '../../support/tinyModel';

const LORA: LoraConfig = { rank: 4, alpha: 8, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'], useRslora: false };
const NEW_TOKENS = 16;
const PROMPTS = ['def add(a, b):\n    return', '<|im_start|>user\nWrite a loop in Go.<|im_end|>\n<|im_start|>assistant\n'];
/** Largest logit difference from the merged fp32 model (logits of order one; measured 0.0046 for F16 and 0.12 for Q8_0, whose step is max|x|/127 per block of 32). */
const LOGIT_TOLERANCE = { f16: 0.02, q8_0: 0.3 } as const;

describe('GGUF export of a model with a merged adapter', () => {
  let model: TempModel;
  const root = mkdtempSync(join(tmpdir(), 'smolcode-gguf-export-'));
  const adapterDir = join(root, 'adapter');
  const mergedDir = join(root, 'merged');
  const gguf = { f16: join(root, 'model-f16.gguf'), q8_0: join(root, 'model-q8_0.gguf') };
  let ids: number[][];
  let ours: number[][];

  before(async () => {
    model = makeTempModel({ flavour: 'instruct' });
    const rng = new Rng(9);
    const weights = new Map<string, Float32Array>();
    for (const m of loraModules(model.config, LORA)) {
      weights.set(m.a, Float32Array.from({ length: m.aShape[0] * m.aShape[1] }, () => (rng.next() * 2 - 1) * 0.2));
      weights.set(m.b, Float32Array.from({ length: m.bShape[0] * m.bShape[1] }, () => (rng.next() * 2 - 1) * 0.2));
    }
    mkdirSync(adapterDir);
    saveAdapter(adapterDir, { lora: LORA, baseModel: model.dir, weights });
    mergeAdapter({ modelDir: model.dir, adapterDir, outDir: mergedDir, variants: ['fp32'] });
    // F16 through the CLI command, Q8_0 through the function it calls.
    assert.equal(await exportGgufCommand.run(['--model', model.dir, '--adapter', adapterDir, '--out', gguf.f16, '--type', 'f16']), 0);
    await exportModelAsGguf({ modelDir: model.dir, adapterDir, out: gguf.q8_0, type: 'q8_0' });
    const engine = await Engine.load({ modelDir: mergedDir, dtype: 'fp32', device: 'cpu', threads: 2, graph: 'plain' });
    try {
      ids = PROMPTS.map((p) => engine.promptIds(p));
      ours = [];
      for (const prompt of PROMPTS) ours.push([...(await engine.complete({ slot: 'x', prompt, maxNewTokens: NEW_TOKENS, reuseCache: false })).tokens]);
    } finally {
      await engine.dispose();
    }
  });
  after(() => {
    model.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  it('llama.cpp runs the F16 file to the same greedy tokens as our engine on the merged weights; Q8_0 reported', (t) => {
    const llamaCpp = preparedLlamaCpp(t);
    if (!llamaCpp) return;
    for (const type of ['f16', 'q8_0'] as const) {
      const theirs = llamaCppGreedy(llamaCpp, gguf[type], ids, NEW_TOKENS);
      for (const [p, tokens] of theirs.entries()) {
        let n = 0;
        while (n < Math.min(tokens.length, ours[p].length) && tokens[n] === ours[p][n]) n++;
        t.diagnostic(`${type} prompt ${p}: ${n}/${ours[p].length} greedy tokens agree`);
        if (type === 'f16') assert.deepEqual(tokens, ours[p], `prompt ${p}`);
      }
    }
  });

  for (const type of ['f16', 'q8_0'] as const) {
    it(`our importer reads the ${type} file back to logits equal to the merged model's within ${LOGIT_TOLERANCE[type]}`, async (t) => {
      const imported = join(root, `imported-${type}`);
      await importGguf({ gguf: gguf[type], outDir: imported, variants: ['fp32'], fused: false });
      const a = await openOrtModel(join(imported, 'onnx', 'model.onnx'));
      const b = await openOrtModel(join(mergedDir, 'onnx', 'model.onnx'));
      try {
        const context = ids[1];
        const run = (m: typeof a) => runOrt(m, [context], [context.map(() => 1)], [context.map((_, i) => i)]);
        const [x, y] = [(await run(a)).logits, (await run(b)).logits];
        let worst = 0;
        let scale = 0;
        for (let i = 0; i < x.length; i++) {
          worst = Math.max(worst, Math.abs(x[i] - y[i]));
          scale = Math.max(scale, Math.abs(y[i]));
        }
        t.diagnostic(`${type}: max logit difference ${worst.toFixed(5)} (largest logit ${scale.toFixed(2)})`);
        assert.ok(scale > 0.5, 'logits of order one, so the tolerance constrains');
        assert.ok(worst <= LOGIT_TOLERANCE[type], `max logit difference ${worst}`);
      } finally {
        await a.session.release();
        await b.session.release();
      }
    });
  }
});

describe('GGUF export of the real SmolLM2-135M-Instruct', () => {
  const root = mkdtempSync(join(tmpdir(), 'smolcode-gguf-export-real-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  /** Logits; a split at a wider margin than this means the two models disagree, not a near-tie (as in llamaCpp.test.ts). */
  const MAX_SPLIT_MARGIN = 0.25;

  it('writes the released GGUF’s metadata, and llama.cpp continues a code prompt as our engine does (F16; Q8_0 reported)', async (t) => {
    const released = preparedGguf(t);
    const llamaCpp = released && preparedLlamaCpp(t);
    if (!released || !llamaCpp) return;
    const dir = await importedModel(released);
    const files = { f16: join(root, 'f16.gguf'), q8_0: join(root, 'q8_0.gguf') };
    for (const type of ['f16', 'q8_0'] as const) await exportModelAsGguf({ modelDir: dir, out: files[type], type });

    const [ours, theirs] = [GgufFile.open(files.q8_0), GgufFile.open(released)];
    try {
      // Everything but the descriptive general.* names and the file type, which says Q8_0 here.
      const descriptive = /^general\.(name|organization|finetune|basename|size_label|license|languages|file_type)$/;
      const keys = (f: GgufFile) => [...f.metadata.keys()].filter((k) => !descriptive.test(k)).sort();
      assert.deepEqual(keys(ours), keys(theirs));
      for (const key of keys(theirs)) assert.deepEqual(ours.get(key), theirs.get(key), key);
      const layout = (f: GgufFile) => f.tensors.map((x) => `${x.name} ${x.dims.join('x')}`).sort();
      assert.deepEqual(layout(ours), layout(theirs));
    } finally {
      ours.close();
      theirs.close();
    }

    const prompt = 'def fibonacci(n):\n    """Return the n-th Fibonacci number."""\n';
    const engine = await Engine.load({ modelDir: dir, dtype: 'fp32', device: 'cpu', threads: 2, graph: 'plain' });
    const reference = await openOrtModel(join(dir, 'onnx', 'model.onnx'));
    try {
      const ids = engine.promptIds(prompt);
      const mine = (await engine.complete({ slot: 'x', prompt, maxNewTokens: NEW_TOKENS, reuseCache: false })).tokens;
      for (const type of ['f16', 'q8_0'] as const) {
        const [tokens] = llamaCppGreedy(llamaCpp, files[type], [ids], NEW_TOKENS);
        let n = 0;
        while (n < Math.min(tokens.length, mine.length) && tokens[n] === mine[n]) n++;
        let margin: number | undefined;
        if (n < Math.min(tokens.length, mine.length)) {
          const context = [...ids, ...mine.slice(0, n)];
          const { logits } = await runOrt(reference, [context], [context.map(() => 1)], [context.map((_, i) => i)]);
          const row = logits.subarray(logits.length - logits.length / context.length);
          margin = row[mine[n]] - row[tokens[n]];
        }
        t.diagnostic(`${type}: ${n}/${mine.length} greedy tokens agree${margin === undefined ? '' : `; at the split our fp32 logits differ by ${margin.toFixed(3)}`}`);
        if (type === 'f16' && margin !== undefined) assert.ok(Math.abs(margin) <= MAX_SPLIT_MARGIN, `parts after ${n} tokens at a margin of ${margin}`);
      }
    } finally {
      await engine.dispose();
      await reference.session.release();
    }
  });
});
