/**
 * @file The inline ONNX writer streams initializers one at a time; its file must decode to the
 * same ModelProto that encoding the whole message at once gives, byte for byte once re-encoded,
 * whatever the varint lengths (tensors of 0, 1, 200 and 70,000 bytes) and with a subgraph.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import onnxProto from 'onnx-proto';
import { DataType, GraphBuilder } from '../../../src/graph/graphBuilder';
import { writeOnnxModel } from '../../../src/graph/onnxWriter';

const { onnx } = onnxProto;

function sampleGraph(): GraphBuilder {
  const g = new GraphBuilder('writer_test');
  const x = g.input('x', DataType.float, ['n', 4]);
  const bytes = (n: number) => () => Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) % 251);
  const w = g.initializer('w', DataType.float, [4, 4], bytes(64));
  g.initializer('empty', DataType.float, [0], bytes(0));
  g.initializer('one', DataType.uint8, [1], bytes(1));
  g.initializer('two_hundred', DataType.uint8, [200], bytes(200));
  g.initializer('big', DataType.float, [17500], bytes(70000));
  const y = g.node('MatMul', [x, w])[0]!;
  const branch = (name: string) => g.subgraph(name, () => [{ name: g.node('Identity', [y])[0]!, dataType: DataType.float }]);
  const flag = g.constant(DataType.bool, [], Uint8Array.of(1));
  g.node('If', [flag], { then_branch: branch('then'), else_branch: branch('else') }, { outputNames: ['out'] });
  g.output('out', DataType.float, ['n', 4]);
  return g;
}

describe('writeOnnxModel, inline', () => {
  it('writes what encoding the whole ModelProto writes, one initializer at a time', () => {
    const dir = mkdtempSync(join(tmpdir(), 'smolcode-writer-'));
    try {
      const g = sampleGraph();
      const path = join(dir, 'model.onnx');
      const written = writeOnnxModel(g, path);
      assert.equal(written.dataPath, undefined);
      assert.equal(written.initializerBytes, 64 + 0 + 1 + 200 + 70000 + 1);
      const whole = g.modelSkeleton();
      whole.graph!.initializer = g.initializers.map((t) => ({ name: t.name, dataType: t.dataType, dims: [...t.dims], rawData: t.bytes() }));
      const expected = onnx.ModelProto.encode(whole).finish();
      const decoded = onnx.ModelProto.decode(readFileSync(path));
      assert.deepEqual(
        decoded.graph!.initializer!.map((t) => [t.name, t.rawData!.length]),
        [['w', 64], ['empty', 0], ['one', 1], ['two_hundred', 200], ['big', 70000], ...g.initializers.slice(5).map((t) => [t.name, t.byteLength])],
      );
      assert.ok(Buffer.from(onnx.ModelProto.encode(decoded).finish()).equals(Buffer.from(expected)), 'the streamed file decodes to the same model');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves no file behind when a tensor fails to load', () => {
    const dir = mkdtempSync(join(tmpdir(), 'smolcode-writer-'));
    try {
      const g = sampleGraph();
      g.initializer('corrupt', DataType.float, [4], () => {
        throw new Error('non-finite weight');
      });
      const path = join(dir, 'model.onnx');
      assert.throws(() => writeOnnxModel(g, path), /non-finite weight/);
      assert.equal(existsSync(path), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
