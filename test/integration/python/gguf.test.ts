/**
 * @file The GGUF importer held to independent implementations: gguf-py (llama.cpp's own Python
 * package) for every dequantized value, bit for bit, and Hugging Face transformers' GGUF loader
 * for the model's logits. Runs in the Python toolchain and on the real SmolLM2-135M-Instruct
 * GGUF that `npm run test:prepare` provides.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { dequantize } from '../../../src/graph/gguf/dequantize';
import { GgufFile } from '../../../src/graph/gguf/ggufFile';
import { blockLayout, GgmlType } from '../../../src/graph/gguf/ggmlTypes';
import { floatToHalfBits } from '../../../src/graph/half';
import { seededRandom } from '../../../src/graph/random';
import { openOrtModel, runOrt } from '../../support/ortModel';
import { preparedPython, runPythonJson } from '../../support/python';
import { importedModel, preparedGguf } from '../../support/realModel';
import { loadTestTokenizer } from '../../support/tokenizer';

/** Byte offsets of each type's float16 scales inside a block (random bytes there could be NaN or huge). */
const HALF_FIELDS: Record<string, (blockBytes: number) => number[]> = {
  F16: () => [0],
  Q8_0: () => [0],
  Q4_0: () => [0],
  Q4_1: () => [0, 2],
  Q5_0: () => [0],
  Q5_1: () => [0, 2],
  IQ4_NL: () => [0],
  Q4_K: () => [0, 2],
  Q6_K: (bytes) => [bytes - 2],
};

/** `blocks` random blocks of `type` whose float16 fields hold finite scales. */
function randomBlocks(name: keyof typeof GgmlType, blocks: number, seed: number): Uint8Array {
  const random = seededRandom(seed);
  const layout = blockLayout(GgmlType[name])!;
  const bytes = Uint8Array.from({ length: blocks * layout.bytes }, () => Math.floor(random() * 256));
  const view = new DataView(bytes.buffer);
  for (let b = 0; b < blocks; b++) {
    for (const at of HALF_FIELDS[name]?.(layout.bytes) ?? []) view.setUint16(b * layout.bytes + at, floatToHalfBits((random() - 0.5) * 0.2), true);
  }
  if (name === 'F32') for (let i = 0; i < bytes.length; i += 4) view.setFloat32(i, (random() - 0.5) * 1e3, true);
  if (name === 'BF16') for (let i = 0; i < bytes.length; i += 2) view.setUint16(i, (floatToHalfBits(0) | 0x3c00) ^ (view.getUint16(i, true) & 0x83ff), true);
  return bytes;
}

const DEQUANTIZE_BLOCKS = `
import base64, json, sys
import numpy as np
from gguf import quants, GGMLQuantizationType
request = json.load(sys.stdin)
result = {}
for name, encoded in request.items():
    data = np.frombuffer(base64.b64decode(encoded), dtype=np.uint8)
    values = np.asarray(quants.dequantize(data, GGMLQuantizationType[name]), dtype=np.float32)
    result[name] = base64.b64encode(values.tobytes()).decode()
json.dump(result, sys.stdout)
`;

const DEQUANTIZE_FILE = `
import hashlib, json, sys
import numpy as np
from gguf import GGUFReader, quants
reader = GGUFReader(json.load(sys.stdin)["path"])
result = {}
for tensor in reader.tensors:
    values = np.ascontiguousarray(quants.dequantize(tensor.data, tensor.tensor_type), dtype=np.float32)
    result[tensor.name] = hashlib.sha256(values.tobytes()).hexdigest()
json.dump(result, sys.stdout)
`;

const TRANSFORMERS_LOGITS = `
import json, os, sys, torch
from transformers import AutoModelForCausalLM
request = json.load(sys.stdin)
torch.set_num_threads(1)
path = request["gguf"]
model = AutoModelForCausalLM.from_pretrained(os.path.dirname(path), gguf_file=os.path.basename(path), torch_dtype=torch.float32).eval()
result = []
with torch.no_grad():
    for ids in request["prompts"]:
        logits = model(torch.tensor([ids])).logits[0]
        result.append({"last": logits[-1].tolist(), "argmax": logits.argmax(-1).tolist(), "max": logits.abs().max().item()})
json.dump(result, sys.stdout)
`;

describe('GGUF import against gguf-py and transformers', () => {
  it('dequantizes random blocks of every supported type bit for bit as gguf-py', (t) => {
    const python = preparedPython(t);
    if (python === undefined) return;
    const names = Object.keys(GgmlType) as (keyof typeof GgmlType)[];
    const inputs = Object.fromEntries(names.map((name, i) => [name, randomBlocks(name, 64, 100 + i)]));
    const reference = runPythonJson<Record<string, string>>(python, DEQUANTIZE_BLOCKS, Object.fromEntries(Object.entries(inputs).map(([n, b]) => [n, Buffer.from(b).toString('base64')])));
    for (const name of names) {
      const layout = blockLayout(GgmlType[name])!;
      const count = (inputs[name].length / layout.bytes) * layout.elements;
      const ours = Buffer.from(dequantize(GgmlType[name], inputs[name], count).buffer);
      const theirs = Buffer.from(reference[name], 'base64');
      assert.equal(ours.length, theirs.length, name);
      assert.ok(ours.equals(theirs), `${name}: first differing value at ${[...ours].findIndex((b, i) => b !== theirs[i]) >> 2}`);
    }
  });

  it('dequantizes every tensor of the real SmolLM2 GGUF bit for bit as gguf-py', (t) => {
    const python = preparedPython(t);
    const gguf = python && preparedGguf(t);
    if (!python || !gguf) return;
    const reference = runPythonJson<Record<string, string>>(python, DEQUANTIZE_FILE, { path: gguf });
    const file = GgufFile.open(gguf);
    try {
      assert.equal(Object.keys(reference).length, file.tensors.length);
      for (const info of file.tensors) {
        const values = dequantize(info.type, file.read(info), info.dims.reduce((a, b) => a * b, 1));
        assert.equal(createHash('sha256').update(new Uint8Array(values.buffer)).digest('hex'), reference[info.name], info.name);
      }
    } finally {
      file.close();
    }
  });

  it("gives transformers' logits (LlamaForCausalLM from the same GGUF) within 1e-4 of the largest, in one pass and through the KV cache", async (t) => {
    const python = preparedPython(t);
    const gguf = python && preparedGguf(t);
    if (!python || !gguf) return;
    const tokenizer = await loadTestTokenizer();
    const texts = [
      'def fibonacci(n):\n    """Return the n-th Fibonacci number."""\n    if n < 2:\n        return n\n',
      '<|im_start|>user\nWhat does `git rebase` do?<|im_end|>\n<|im_start|>assistant\n',
      'export function debounce<T>(fn: (value: T) => void, ms: number) {\n  let timer: ReturnType<typeof setTimeout> | undefined;\n',
    ];
    const prompts = texts.map((text) => tokenizer.encode(text, { add_special_tokens: false }));
    const reference = runPythonJson<{ last: number[]; argmax: number[]; max: number }[]>(python, TRANSFORMERS_LOGITS, { gguf, prompts });
    const model = await openOrtModel(join(await importedModel(gguf), 'onnx', 'model.onnx'));
    try {
      for (const [p, ids] of prompts.entries()) {
        const { logits, vocab, last } = await oneAndCached(model, ids);
        const tolerance = 1e-4 * reference[p].max;
        for (const [label, row] of [['one pass', logits], ['through the cache', last]] as const) {
          let worst = 0;
          for (let v = 0; v < vocab; v++) worst = Math.max(worst, Math.abs(row[v] - reference[p].last[v]));
          assert.ok(worst <= tolerance, `prompt ${p} ${label}: max abs difference ${worst}, tolerance ${tolerance}`);
        }
      }
    } finally {
      await model.session.release();
    }
  });
});

/** The last position's logits of `ids` in one pass, and again after feeding all but 3 tokens first and the rest through the cache. */
async function oneAndCached(model: Awaited<ReturnType<typeof openOrtModel>>, ids: number[]) {
  const ones = (n: number) => Array.from({ length: n }, () => 1);
  const positions = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
  const full = await runOrt(model, [ids], [ones(ids.length)], [positions(0, ids.length)]);
  const vocab = full.logits.length / ids.length;
  const split = ids.length - 3;
  const head = await runOrt(model, [ids.slice(0, split)], [ones(split)], [positions(0, split)]);
  const tail = await runOrt(model, [ids.slice(split)], [ones(ids.length)], [positions(split, ids.length)], head.present);
  return { logits: full.logits.subarray((ids.length - 1) * vocab), last: tail.logits.subarray(2 * vocab), vocab };
}
