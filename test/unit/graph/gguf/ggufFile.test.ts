import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { dequantize } from '../../../../src/graph/gguf/dequantize';
import { GgufError, GgufFile } from '../../../../src/graph/gguf/ggufFile';
import { ggufBytes, type GgufMetadataEntry, type GgufTensorBytes } from '../../../../src/graph/gguf/ggufWriter';

const root = mkdtempSync(join(tmpdir(), 'smolcode-gguf-'));
after(() => rmSync(root, { recursive: true, force: true }));

const f32 = (...values: number[]) => new Uint8Array(Float32Array.from(values).buffer);
const TENSORS: GgufTensorBytes[] = [
  { name: 'a', dims: [3], type: 0, data: f32(1, 2, 3) },
  { name: 'b', dims: [2, 2], type: 0, data: f32(-1, 0.5, 4, 8) },
];
const METADATA = {
  'general.architecture': { type: 8, value: 'llama' },
  'llama.block_count': { type: 4, value: 30 },
  'x.i8': { type: 1, value: -5 },
  'x.f64': { type: 12, value: 0.125 },
  'x.u64': { type: 10, value: 2n ** 40n },
  'x.flag': { type: 7, value: true },
  'x.list': { type: 9, itemType: 8, items: ['<s>', 'ab', 'ü'] },
} as const satisfies Record<string, GgufMetadataEntry>;

function file(name: string, bytes: Uint8Array): string {
  const path = join(root, name);
  writeFileSync(path, bytes);
  return path;
}

describe('GGUF reader', () => {
  it('reads typed metadata, tensor infos and aligned tensor data', () => {
    const gguf = GgufFile.open(file('ok.gguf', ggufBytes(METADATA, TENSORS)));
    try {
      assert.equal(gguf.version, 3);
      assert.equal(gguf.get('general.architecture'), 'llama');
      assert.equal(gguf.get('llama.block_count'), 30);
      assert.equal(gguf.get('x.i8'), -5);
      assert.equal(gguf.get('x.f64'), 0.125);
      assert.equal(gguf.get('x.u64'), 2n ** 40n);
      assert.equal(gguf.get('x.flag'), true);
      assert.deepEqual(gguf.get('x.list'), ['<s>', 'ab', 'ü']);
      assert.equal(gguf.dataOffset % 32, 0);
      const b = gguf.tensor('b')!;
      assert.deepEqual(b.dims, [2, 2]);
      assert.equal(b.offset % 32, 0);
      assert.deepEqual([...dequantize(b.type, gguf.read(b), 4)], [-1, 0.5, 4, 8]);
    } finally {
      gguf.close();
    }
  });

  it('refuses a file cut short, naming the file and the tensor', () => {
    const bytes = ggufBytes(METADATA, TENSORS);
    const path = file('short.gguf', bytes.subarray(0, bytes.length - 4));
    assert.throws(() => GgufFile.open(path), (e: unknown) => e instanceof GgufError && e.message.startsWith(`${path}: truncated: tensor b needs bytes`));
    const header = file('header.gguf', bytes.subarray(0, 40));
    assert.throws(() => GgufFile.open(header), /truncated: .* runs past the end of the file/);
  });

  it('names an unknown quantization type', () => {
    const path = file('q3k.gguf', ggufBytes(METADATA, [{ name: 'w', dims: [256], type: 11, data: new Uint8Array(110) }]));
    assert.throws(() => GgufFile.open(path), /tensor w is Q3_K, a quantization type SmolCode cannot read \(it reads F32, F16, Q4_0/);
  });

  it('refuses a tensor count beyond the file, an offset out of range, another magic and another version', () => {
    const bytes = Buffer.from(ggufBytes(METADATA, TENSORS));
    const huge = Buffer.from(bytes);
    huge.writeBigUInt64LE(2n ** 60n, 8);
    assert.throws(() => GgufFile.open(file('count.gguf', huge)), /tensor count is 1152921504606846976, beyond/);
    const misplaced = Buffer.from(ggufBytes(METADATA, [{ ...TENSORS[0] }]));
    // The single tensor's offset is the last 8 bytes before the padding of the infos.
    const info = misplaced.lastIndexOf(Buffer.from('a', 'latin1'));
    misplaced.writeBigUInt64LE(1n << 20n, info + 1 + 4 + 8 + 4);
    assert.throws(() => GgufFile.open(file('offset.gguf', misplaced)), /offset of a is 1048576, beyond \d+/);
    assert.throws(() => GgufFile.open(file('magic.gguf', Buffer.concat([Buffer.from('GGML'), bytes.subarray(4)]))), /not a GGUF file \(no "GGUF" magic\)/);
    const v1 = Buffer.from(bytes);
    v1.writeUInt32LE(1, 4);
    assert.throws(() => GgufFile.open(file('v1.gguf', v1)), /GGUF version 1 is not supported/);
  });
});
