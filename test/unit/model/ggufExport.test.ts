import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GgmlType } from '../../../src/graph/gguf/ggmlTypes';
import { GgufFile } from '../../../src/graph/gguf/ggufFile';
import { exportGguf, ggmlTypeFor, type GgufExportType } from '../../../src/model/ggufExport';
import { hfTensors } from '../../../src/model/ggufImport';
import { llamaConfigFromGguf } from '../../../src/model/ggufLlama';
import { loadWeights, makeTempModel, type TempModel } from '../../support/tinyModel';

describe('GGUF export of a model folder', () => {
  let model: TempModel;
  const root = mkdtempSync(join(tmpdir(), 'smolcode-gguf-export-'));
  const files: Partial<Record<GgufExportType, string>> = {};
  before(async () => {
    model = makeTempModel({ flavour: 'instruct' });
    for (const type of ['f16', 'q8_0'] as const) {
      files[type] = join(root, `${type}.gguf`);
      await exportGguf({ modelDir: model.dir, out: files[type]!, type, name: 'tiny' });
    }
  });
  after(() => {
    model.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  it('writes the metadata llama.cpp reads for SmolLM2: general, llama.* hyperparameters, tokenizer and chat template', () => {
    const file = GgufFile.open(files.q8_0!);
    try {
      assert.equal(file.get('general.architecture'), 'llama');
      assert.equal(file.get('general.name'), 'tiny');
      assert.equal(file.get('general.file_type'), 7);
      assert.equal(file.get('general.quantization_version'), 2);
      assert.deepEqual(llamaConfigFromGguf(file), { ...model.config, initializerRange: 0.02 });
      assert.equal(file.get('tokenizer.ggml.model'), 'gpt2');
      assert.equal(file.get('tokenizer.ggml.pre'), 'smollm');
      const tokens = file.get('tokenizer.ggml.tokens') as string[];
      const kinds = file.get('tokenizer.ggml.token_type') as number[];
      assert.equal(tokens.length, model.config.vocabSize);
      assert.deepEqual(tokens.slice(0, 3), ['<|endoftext|>', '<|im_start|>', '<|im_end|>']);
      // The 17 added special tokens are control tokens, the rest normal.
      assert.deepEqual(kinds.slice(0, 18), [...new Array(17).fill(3), 1]);
      assert.equal((file.get('tokenizer.ggml.merges') as string[])[0], 'Ġ t');
      assert.deepEqual(
        ['bos', 'eos', 'unknown', 'padding'].map((k) => file.get(`tokenizer.ggml.${k}_token_id`)),
        [1, 2, 0, 2],
      );
      assert.equal(file.get('tokenizer.ggml.add_bos_token'), false);
      assert.match(String(file.get('tokenizer.chat_template')), /<\|im_start\|>/);
    } finally {
      file.close();
    }
  });

  for (const [type, tolerance] of [['f16', 2 ** -11], ['q8_0', 1 / 127]] as const) {
    it(`round-trips every weight through our importer within ${type}'s precision (query/key rows permuted and back)`, () => {
      const file = GgufFile.open(files[type]!);
      try {
        const census: Record<number, number> = {};
        for (const t of file.tensors) census[t.type] = (census[t.type] ?? 0) + 1;
        const matrices = 1 + 7 * model.config.numHiddenLayers;
        assert.deepEqual(census, { [GgmlType.F32]: 1 + 2 * model.config.numHiddenLayers, [type === 'f16' ? GgmlType.F16 : GgmlType.Q8_0]: matrices });
        const original = loadWeights(model.dir);
        for (const t of hfTensors(file, model.config)) {
          const want = original(t.name);
          const got = t.values();
          const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
          let worst = 0;
          for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
          assert.ok(worst <= tolerance * scale, `${t.name}: max error ${worst} > ${tolerance} · ${scale}`);
        }
      } finally {
        file.close();
      }
    });
  }

  it('keeps 1-D tensors F32 and falls back to F16 where rows are no multiple of 32', () => {
    assert.equal(ggmlTypeFor([64], 'q8_0'), GgmlType.F32);
    assert.equal(ggmlTypeFor([64, 64], 'q8_0'), GgmlType.Q8_0);
    assert.equal(ggmlTypeFor([64, 40], 'q8_0'), GgmlType.F16);
    assert.equal(ggmlTypeFor([64, 64], 'f16'), GgmlType.F16);
    // Q4_0 keeps the (tied) output head at 8 bits, as llama-quantize keeps it above 4.
    assert.equal(ggmlTypeFor([64, 64], 'q4_0', 'model.layers.0.mlp.up_proj.weight'), GgmlType.Q4_0);
    assert.equal(ggmlTypeFor([64, 64], 'q4_0', 'model.embed_tokens.weight'), GgmlType.Q8_0);
    assert.equal(ggmlTypeFor([64, 40], 'q4_0', 'model.layers.0.mlp.up_proj.weight'), GgmlType.F16);
  });

  it('refuses a folder without weights or tokenizer and a missing output folder, and stops when cancelled, writing nothing', async () => {
    const empty = mkdtempSync(join(root, 'empty-'));
    await assert.rejects(exportGguf({ modelDir: empty, out: join(root, 'x.gguf'), type: 'f16' }), /has no model\.safetensors/);
    await assert.rejects(exportGguf({ modelDir: model.dir, out: join(root, 'missing', 'x.gguf'), type: 'f16' }), /does not exist/);
    const controller = new AbortController();
    const cancelled = exportGguf({ modelDir: model.dir, out: join(root, 'x.gguf'), type: 'f16', signal: controller.signal, onTensor: () => controller.abort() });
    await assert.rejects(cancelled, { name: 'AbortError' });
    rmSync(join(model.dir, 'tokenizer.json'));
    await assert.rejects(exportGguf({ modelDir: model.dir, out: join(root, 'x.gguf'), type: 'f16' }), /has no tokenizer\.json/);
    assert.deepEqual(readdirSync(root).filter((n) => n.startsWith('x') || n.startsWith('.x')), []);
  });
});
