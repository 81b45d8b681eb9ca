import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { dequantize } from '../../../../src/graph/gguf/dequantize';
import { encodeGgml } from '../../../../src/graph/gguf/ggmlEncode';
import { GgmlType, tensorByteLength } from '../../../../src/graph/gguf/ggmlTypes';
import { GgufFile } from '../../../../src/graph/gguf/ggufFile';
import { GgufValueType as T, ggufBytes, writeGgufFile, type GgufMetadataEntry, type GgufTensorToWrite } from '../../../../src/graph/gguf/ggufWriter';
import { Rng } from '../../../../src/graph/rng';

const root = mkdtempSync(join(tmpdir(), 'smolcode-gguf-writer-'));
after(() => rmSync(root, { recursive: true, force: true }));

const METADATA: Record<string, GgufMetadataEntry> = {
  'general.architecture': { type: T.STRING, value: 'llama' },
  'llama.block_count': { type: T.U32, value: 2 },
  'llama.rope.freq_base': { type: T.F32, value: 100000 },
  'tokenizer.ggml.add_bos_token': { type: T.BOOL, value: false },
  'tokenizer.ggml.tokens': { type: T.ARRAY, itemType: T.STRING, items: ['<|endoftext|>', 'Ġt', 'ü'] },
  'tokenizer.ggml.token_type': { type: T.ARRAY, itemType: T.I32, items: [3, 1, -1] },
};

const rng = new Rng(5);
const random = (n: number) => Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
const SOURCES = [
  { name: 'norm', dims: [64], type: GgmlType.F32, values: random(64), tolerance: 0 },
  { name: 'f16', dims: [64, 3], type: GgmlType.F16, values: random(192), tolerance: 2 ** -11 },
  { name: 'q8', dims: [96, 5], type: GgmlType.Q8_0, values: random(480), tolerance: 1 / 127 },
] as const;

function tensorsToWrite(): GgufTensorToWrite[] {
  return SOURCES.map((s) => ({ name: s.name, dims: s.dims, type: s.type, byteLength: tensorByteLength(s.type, s.values.length)!, data: () => encodeGgml(s.values, s.type) }));
}

describe('GGUF writer', () => {
  it('writes a file our reader reads back: metadata, dims, types, and values within each type’s precision', async () => {
    const path = join(root, 'round.gguf');
    const progress: string[] = [];
    await writeGgufFile(path, METADATA, tensorsToWrite(), { onTensor: (n, total, name) => progress.push(`${n}/${total} ${name}`) });
    assert.deepEqual(progress, ['1/3 norm', '2/3 f16', '3/3 q8']);
    const file = GgufFile.open(path);
    try {
      assert.equal(file.version, 3);
      assert.equal(file.get('general.architecture'), 'llama');
      assert.equal(file.get('llama.block_count'), 2);
      assert.equal(file.get('llama.rope.freq_base'), 100000);
      assert.equal(file.get('tokenizer.ggml.add_bos_token'), false);
      assert.deepEqual(file.get('tokenizer.ggml.tokens'), ['<|endoftext|>', 'Ġt', 'ü']);
      assert.deepEqual(file.get('tokenizer.ggml.token_type'), [3, 1, -1]);
      for (const source of SOURCES) {
        const info = file.tensor(source.name)!;
        assert.deepEqual(info.dims, source.dims);
        assert.equal(info.type, source.type);
        assert.equal(info.offset % 32, 0);
        const back = dequantize(info.type, file.read(info), source.values.length);
        let worst = 0;
        for (let i = 0; i < back.length; i++) worst = Math.max(worst, Math.abs(back[i] - source.values[i]));
        assert.ok(worst <= source.tolerance, `${source.name}: max error ${worst} > ${source.tolerance}`);
      }
    } finally {
      file.close();
    }
  });

  it('writes the same bytes streaming as in memory', async () => {
    const path = join(root, 'same.gguf');
    await writeGgufFile(path, METADATA, tensorsToWrite());
    const inMemory = ggufBytes(METADATA, tensorsToWrite().map((t) => ({ ...t, data: t.data() })));
    assert.ok(readFileSync(path).equals(inMemory));
  });

  it('leaves the target as it was and no temporary file when cancelled or failing', async () => {
    const dir = mkdtempSync(join(root, 'cancel-'));
    const path = join(dir, 'model.gguf');
    writeFileSync(path, 'old');
    const controller = new AbortController();
    await assert.rejects(writeGgufFile(path, METADATA, tensorsToWrite(), { signal: controller.signal, onTensor: () => controller.abort() }), { name: 'AbortError' });
    const broken = tensorsToWrite().map((t, i) => (i === 1 ? { ...t, data: () => new Uint8Array(3) } : t));
    await assert.rejects(writeGgufFile(path, METADATA, broken), /tensor f16 has 3 bytes/);
    assert.deepEqual(readdirSync(dir), ['model.gguf']);
    assert.equal(readFileSync(path, 'utf8'), 'old');
    assert.ok(existsSync(path));
  });
});
