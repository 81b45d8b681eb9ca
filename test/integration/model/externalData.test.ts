/**
 * @file ONNX files with external data (needed above protobuf's 2 GB limit, e.g. SmolLM2-1.7B in
 * fp32) load in onnxruntime-node and give the same logits as the inline file. The tiny model
 * is written with external data forced, since real 2 GB files are too slow for the suite.
 */
import '../../../src/runtime/telemetry';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import onnxProto from 'onnx-proto';
import { readModelConfig } from '../../../src/model/config';
import { writeOnnxModel } from '../../../src/graph/onnxWriter';
import { precisionFor } from '../../../src/model/precision';
import { architectureFor } from '../../../src/model/registry';
import { SafetensorsFile } from '../../../src/graph/safetensors';
import { safetensorsSource } from '../../../src/model/weights';
import { maxAbsDiff, openOrtModel, runOrt } from '../../support/ortModel';
import { makeTempModel, tinyConfig, type TempModel } from '../../support/tinyModel';

describe('external data', () => {
  let model: TempModel;
  let externalPath: string;
  before(() => {
    model = makeTempModel({ config: tinyConfig({ vocabSize: 512 }) });
    const config = readModelConfig(join(model.dir, 'config.json'));
    const file = SafetensorsFile.open(join(model.dir, 'model.safetensors'));
    try {
      const graph = architectureFor(config).buildInferenceGraph(config, safetensorsSource(file), precisionFor('fp32'));
      externalPath = join(model.dir, 'onnx', 'model_external.onnx');
      writeOnnxModel(graph, externalPath, { externalData: true });
    } finally {
      file.close();
    }
  });
  after(() => model.dispose());

  it('writes the weights to <name>_data with aligned offsets, leaving a small graph file', () => {
    const dataPath = `${externalPath}_data`;
    assert.ok(existsSync(dataPath));
    assert.ok(statSync(externalPath).size < 100_000, `graph file is ${statSync(externalPath).size} bytes`);
    const proto = onnxProto.onnx.ModelProto.decode(readFileSync(externalPath));
    const external = (proto.graph?.initializer ?? []).filter((t) => t.dataLocation === onnxProto.onnx.TensorProto.DataLocation.EXTERNAL);
    assert.ok(external.length > 10);
    for (const t of external) {
      const entries = Object.fromEntries((t.externalData ?? []).map((e) => [e.key, e.value]));
      assert.equal(entries.location, 'model_external.onnx_data');
      assert.equal(Number(entries.offset) % 65536, 0);
      assert.ok(Number(entries.offset) + Number(entries.length) <= statSync(dataPath).size);
    }
  });

  it('gives the same logits as the inline model', async () => {
    const prompt = [5, 6, 7, 8];
    const args = [[prompt], [prompt.map(() => 1)], [prompt.map((_, i) => i)]] as const;
    const inline = await openOrtModel(join(model.dir, 'onnx', 'model.onnx'));
    const external = await openOrtModel(externalPath);
    try {
      const a = await runOrt(inline, ...args);
      const b = await runOrt(external, ...args);
      assert.equal(maxAbsDiff(a.logits, b.logits), 0);
    } finally {
      await inline.session.release();
      await external.session.release();
    }
  });
});
