/**
 * @file safetensors reading and writing: round trips in every supported dtype, and a clear
 * error naming the file and the problem for truncated, malformed and unsupported files.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SafetensorsError, SafetensorsFile, writeSafetensors } from '../../../src/graph/safetensors';

const dir = mkdtempSync(join(tmpdir(), 'smolcode-st-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const VALUES = Float32Array.from([0, 1, -2.5, 0.1, 65504, -1e-3]);

function fileWithHeader(name: string, header: unknown, dataBytes: number): string {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  const path = join(dir, name);
  writeFileSync(path, Buffer.concat([len, json, Buffer.alloc(dataBytes)]));
  return path;
}

function assertOpenFails(path: string, pattern: RegExp) {
  assert.throws(
    () => SafetensorsFile.open(path),
    (error: unknown) => {
      assert.ok(error instanceof SafetensorsError, `not a SafetensorsError: ${String(error)}`);
      assert.ok(error.message.startsWith(path), `message does not name the file: ${error.message}`);
      assert.match(error.message, pattern);
      return true;
    },
  );
}

describe('safetensors', () => {
  it('round-trips F32 exactly and F16/BF16 to their rounding', () => {
    const expected = {
      F32: VALUES,
      F16: Float32Array.from([0, 1, -2.5, 0.0999755859375, 65504, -1049 / 2 ** 20]),
      BF16: Float32Array.from([0, 1, -2.5, 0.10009765625, 65536, -0.00099945068359375]),
    };
    for (const dtype of ['F32', 'F16', 'BF16'] as const) {
      const path = join(dir, `round-${dtype}.safetensors`);
      writeSafetensors(path, [{ name: 'a.weight', shape: [2, 3], values: () => VALUES }, { name: 'b', shape: [1], values: () => Float32Array.of(7) }], dtype);
      const file = SafetensorsFile.open(path);
      try {
        assert.deepEqual(file.names(), ['a.weight', 'b']);
        assert.deepEqual(file.info('a.weight').shape, [2, 3]);
        assert.deepEqual(file.readFloat32('a.weight'), expected[dtype]);
        assert.deepEqual(file.readFloat32('b'), Float32Array.of(7));
        assert.deepEqual(file.metadata, { format: 'pt' });
      } finally {
        file.close();
      }
    }
  });

  it('aligns the data section to 8 bytes', () => {
    const path = join(dir, 'aligned.safetensors');
    writeSafetensors(path, [{ name: 'x', shape: [1], values: () => Float32Array.of(1) }], 'F32');
    const headerLen = Number(readFileSync(path).readBigUInt64LE(0));
    assert.equal((8 + headerLen) % 8, 0);
  });

  it('rejects a file shorter than the header length field', () => {
    const path = join(dir, 'tiny.safetensors');
    writeFileSync(path, Buffer.from([1, 2, 3]));
    assertOpenFails(path, /truncated: 3 bytes/);
  });

  it('rejects a truncated header', () => {
    const path = join(dir, 'cut-header.safetensors');
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(500n);
    writeFileSync(path, Buffer.concat([len, Buffer.from('{"a":')]));
    assertOpenFails(path, /truncated: header says 500 bytes but only 5 follow/);
  });

  it('rejects a header that is not JSON', () => {
    assertOpenFails(fileWithHeader('bad-json.safetensors', '{"a": [1, 2', 0), /header is not valid JSON/);
  });

  it('rejects offsets beyond the data section (a truncated data section)', () => {
    const header = { w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } };
    assertOpenFails(fileWithHeader('short-data.safetensors', header, 8), /tensor "w": data_offsets \[0, 16\] out of range: the data section has 8 bytes/);
  });

  it('rejects offsets that do not match the shape', () => {
    const header = { w: { dtype: 'F32', shape: [4], data_offsets: [0, 12] } };
    assertOpenFails(fileWithHeader('bad-span.safetensors', header, 16), /span 12 bytes but shape \[4\] F32 needs 16/);
  });

  it('rejects an unsupported dtype, naming the supported ones', () => {
    const header = { w: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } };
    assertOpenFails(fileWithHeader('int.safetensors', header, 8), /tensor "w": unsupported dtype "I64"; supported: F32, F16, BF16/);
  });

  it('names the file and tensor when a tensor is missing', () => {
    const path = join(dir, 'one.safetensors');
    writeSafetensors(path, [{ name: 'x', shape: [1], values: () => Float32Array.of(1) }], 'F32');
    const file = SafetensorsFile.open(path);
    try {
      assert.throws(() => file.readFloat32('y'), new RegExp(`^SafetensorsError: ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: no tensor named "y"`));
    } finally {
      file.close();
    }
  });
});
