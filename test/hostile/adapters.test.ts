/**
 * @file Hostile adapters and base weights against a tiny generated model: NaN and infinities in
 * every storage dtype, wrong shapes, tensors for layers the model lacks, truncated files and
 * absurd headers, an infinite lora_alpha. Loading, merging and fine-tuning from each one fail
 * with a message naming the file (and the tensor or field), and write nothing. A NaN adapter
 * used to merge without complaint into a model that only ever said end-of-sequence, and
 * training from it printed `loss NaN`, exited 0 and wrote a NaN adapter.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, adapterConfigJson, loadAdapter } from '../../src/finetune/adapter';
import { mergeAdapter } from '../../src/finetune/merge';
import { runFinetune } from '../../src/finetune/trainer';
import { FileError } from '../../src/graph/fileError';
import { SafetensorsFile, writeSafetensors, type SafetensorsDtype } from '../../src/graph/safetensors';
import { initLoraWeights, loraModules, type LoraConfig } from '../../src/model/lora';
import { makeTempModel, type TempModel } from '../support/tinyModel';

const LORA: LoraConfig = { rank: 2, alpha: 4, targets: ['q_proj', 'v_proj'], useRslora: false };

/** Tensors of an adapter to write: name, shape, values. */
type Tensors = { name: string; shape: number[]; values: Float32Array }[];

/** One hostile adapter: how to make it from a valid one, and what the refusal must say. */
interface HostileAdapter {
  readonly description: string;
  readonly make: (dir: string, valid: Tensors) => void;
  readonly says: RegExp;
}

function writeAdapter(dir: string, tensors: Tensors, dtype: SafetensorsDtype = 'F32', config: Record<string, unknown> = adapterConfigJson(LORA, 'base')): void {
  writeSafetensors(join(dir, ADAPTER_WEIGHTS_FILE), tensors.map((t) => ({ name: t.name, shape: t.shape, values: () => t.values })), dtype);
  writeFileSync(join(dir, ADAPTER_CONFIG_FILE), JSON.stringify(config));
}

/** `valid` with `edit` applied to the values of tensor `index` (a copy; the valid set stays intact). */
function poisoned(valid: Tensors, index: number, edit: (values: Float32Array) => void): Tensors {
  return valid.map((t, i) => {
    if (i !== index) return t;
    const values = Float32Array.from(t.values);
    edit(values);
    return { ...t, values };
  });
}

const CORPUS: readonly HostileAdapter[] = [
  { description: 'every value NaN', make: (d, v) => writeAdapter(d, v.map((t) => ({ ...t, values: new Float32Array(t.values.length).fill(NaN) }))), says: /lora_A\.weight" holds a non-finite value \(NaN at index 0/ },
  { description: 'one +Infinity deep in a lora_B', make: (d, v) => writeAdapter(d, poisoned(v, 3, (x) => (x[x.length - 1] = Infinity))), says: /v_proj\.lora_B\.weight" holds a non-finite value \(Infinity at index 63 of 64\)/ },
  { description: 'one -Infinity in a lora_A', make: (d, v) => writeAdapter(d, poisoned(v, 0, (x) => (x[5] = -Infinity))), says: /holds a non-finite value \(-Infinity at index 5/ },
  { description: 'NaN stored as F16', make: (d, v) => writeAdapter(d, poisoned(v, 1, (x) => (x[2] = NaN)), 'F16'), says: /holds a non-finite value \(NaN at index 2/ },
  { description: 'Infinity stored as BF16', make: (d, v) => writeAdapter(d, poisoned(v, 2, (x) => (x[0] = Infinity)), 'BF16'), says: /holds a non-finite value \(Infinity at index 0/ },
  { description: 'an F16 overflow (70000 is past half precision)', make: (d, v) => writeAdapter(d, poisoned(v, 1, (x) => (x[0] = 70000)), 'F16'), says: /holds a non-finite value \(Infinity at index 0/ },
  { description: 'an infinite lora_alpha (1e400)', make: (d, v) => (writeAdapter(d, v), writeFileSync(join(d, ADAPTER_CONFIG_FILE), JSON.stringify(adapterConfigJson(LORA, 'base')).replace('"lora_alpha":4', '"lora_alpha":1e400'))), says: /lora_alpha must be a positive finite number/ },
  { description: 'a rank of a billion in the config', make: (d, v) => writeAdapter(d, v, 'F32', { ...adapterConfigJson(LORA, 'base'), r: 1e9 }), says: /lora_A must be \[r, in\] with r=1000000000/ },
  { description: 'a tensor for layer 1000000', make: (d, v) => writeAdapter(d, [...v, { ...v[0], name: v[0].name.replace('layers.0.', 'layers.1000000.') }]), says: /layers\.1000000\..*does not match this model \(2 layers\)/ },
  { description: 'a lora_B of the wrong width', make: (d, v) => writeAdapter(d, v.map((t, i) => (i === 1 ? { ...t, shape: [t.shape[0] / 2, 2], values: t.values.subarray(0, t.values.length / 2) } : t))), says: /needs shape \[64,2\]/ },
  { description: 'a truncated weights file', make: (d, v) => (writeAdapter(d, v), truncateSync(join(d, ADAPTER_WEIGHTS_FILE), 200)), says: /adapter_model\.safetensors: (truncated|tensor)/ },
  { description: 'a header length of 2^60 bytes', make: (d, v) => (writeAdapter(d, v), patchHeaderLength(join(d, ADAPTER_WEIGHTS_FILE), 2n ** 60n)), says: /header length \d+ exceeds/ },
  { description: 'adapter_config.json that is not JSON', make: (d, v) => (writeAdapter(d, v), writeFileSync(join(d, ADAPTER_CONFIG_FILE), '{"r": 2,')), says: /adapter_config\.json: is not valid JSON/ },
];

function patchHeaderLength(path: string, length: bigint): void {
  const bytes = readFileSync(path);
  bytes.writeBigUInt64LE(length, 0);
  writeFileSync(path, bytes);
}

describe('hostile adapters and base weights', () => {
  let model: TempModel;
  let work: string;
  let valid: Tensors;
  let data: string;
  before(() => {
    model = makeTempModel();
    work = mkdtempSync(join(tmpdir(), 'smolcode-hostile-adapters-'));
    const shapes = new Map(loraModules(model.config, LORA).flatMap((m) => [[m.a, m.aShape], [m.b, m.bShape]] as const));
    valid = [...initLoraWeights(loraModules(model.config, LORA), 1)].map(([name, values]) => ({ name, shape: [...shapes.get(name)!], values: values.fill(0.01) }));
    data = join(work, 'train.jsonl');
    writeFileSync(data, `${JSON.stringify({ text: 'function add(a, b) {\n  return a + b;\n}\n' })}\n`);
  });
  after(() => {
    model.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  it('the valid adapter the corpus starts from loads', () => {
    const dir = join(work, 'valid');
    mkdirSync(dir);
    writeAdapter(dir, valid);
    assert.equal(loadAdapter(dir, model.config).weights.size, valid.length);
  });

  for (const [i, hostile] of CORPUS.entries()) {
    it(`refuses an adapter with ${hostile.description}: load, merge and fine-tune name the file and write nothing`, async () => {
      const dir = join(work, `adapter-${i}`);
      mkdirSync(dir);
      hostile.make(dir, valid);
      const before = readdirSync(dir).sort();
      const refusal = (error: unknown) => {
        assert.ok(error instanceof FileError, `${(error as Error).name}: ${(error as Error).message}`);
        assert.ok(error.file.startsWith(dir), error.message);
        assert.match(error.message, hostile.says);
        return true;
      };
      assert.throws(() => loadAdapter(dir, model.config), refusal);
      assert.throws(() => mergeAdapter({ modelDir: model.dir, adapterDir: dir }), refusal);
      assert.deepEqual(readdirSync(dir).sort(), before, 'merge into the adapter folder wrote nothing');
      const trainOut = join(work, `trained-${i}`);
      await assert.rejects(runFinetune({ modelDir: model.dir, dataPath: data, outDir: trainOut, initAdapter: dir, steps: 1, seqLen: 16 }), refusal);
      assert.equal(existsSync(join(trainOut, ADAPTER_WEIGHTS_FILE)), false, 'no adapter written');
    });
  }

  it('refuses base weights with a NaN: merge and fine-tune name model.safetensors and the tensor', async () => {
    const base = makeTempModel();
    try {
      const path = join(base.dir, 'model.safetensors');
      const file = SafetensorsFile.open(path);
      const tensors = file.names().map((name) => ({ name, shape: [...file.info(name).shape], values: Float32Array.from(file.readFloat32(name)) }));
      file.close();
      tensors.find((t) => t.name === 'model.layers.1.mlp.down_proj.weight')!.values[17] = NaN;
      writeSafetensors(path, tensors.map((t) => ({ name: t.name, shape: t.shape, values: () => t.values })), 'F32');

      const adapterDir = join(work, 'for-nan-base');
      mkdirSync(adapterDir);
      writeAdapter(adapterDir, valid);
      const refusal = (error: unknown) => {
        assert.ok(error instanceof FileError, (error as Error).message);
        assert.equal(error.file, path);
        assert.match(error.message, /tensor "model\.layers\.1\.mlp\.down_proj\.weight" holds a non-finite value \(NaN at index 17/);
        return true;
      };
      const mergeOut = join(work, 'merged-nan-base');
      assert.throws(() => mergeAdapter({ modelDir: base.dir, adapterDir, outDir: mergeOut }), refusal);
      assert.equal(existsSync(join(mergeOut, 'onnx', 'model.onnx')), false, 'no model written');
      const trainOut = join(work, 'trained-nan-base');
      await assert.rejects(runFinetune({ modelDir: base.dir, dataPath: data, outDir: trainOut, steps: 1, seqLen: 16 }), refusal);
      assert.equal(existsSync(join(trainOut, ADAPTER_WEIGHTS_FILE)), false, 'no adapter written');
    } finally {
      base.dispose();
    }
  });
});
