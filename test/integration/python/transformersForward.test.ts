/**
 * @file Hugging Face transformers' LlamaForCausalLM, loaded from a model folder SmolCode wrote,
 * against our ONNX graphs of the same weights: an independent reference (PyTorch, not our
 * own code or transformers.js) that our config.json, safetensors layout, rotary embedding and
 * grouped-query attention mean what transformers means. Runs in the Python toolchain that
 * `npm run test:prepare` caches.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { join } from 'node:path';
import { openOrtModel, runOrt } from '../../support/ortModel';
import { preparedPython, runPythonJson } from '../../support/python';
import { makeTempModel, tinyConfig, type TempModel } from '../../support/tinyModel';

const FORWARD = `
import json, sys, torch
from transformers import LlamaForCausalLM
request = json.load(sys.stdin)
torch.set_num_threads(1)
model = LlamaForCausalLM.from_pretrained(request["dir"], torch_dtype=torch.float32).eval()
with torch.no_grad():
    logits = model(torch.tensor([request["ids"]])).logits[0]
json.dump({"logits": logits.flatten().tolist(), "vocab": logits.shape[-1]}, sys.stdout)
`;

/** Token ids spread over the whole vocabulary, deterministic. */
const IDS = Array.from({ length: 24 }, (_, i) => (i * 7919 + 13) % 49152);

describe('transformers (PyTorch) on model folders SmolCode writes', () => {
  const models: Record<string, TempModel> = {};
  before(() => {
    models.gqa = makeTempModel({ seed: 5 });
    models.untied = makeTempModel({ seed: 6, config: tinyConfig({ tieWordEmbeddings: false, numKeyValueHeads: 4 }) });
  });
  after(() => Object.values(models).forEach((m) => m.dispose()));

  for (const kind of ['gqa', 'untied'] as const) {
    it(`gives our fp32 graph's logits within 1e-4 of the largest (${kind})`, async (t) => {
      const python = preparedPython(t);
      if (python === undefined) return;
      const model = models[kind];
      const reference = runPythonJson<{ logits: number[]; vocab: number }>(python, FORWARD, { dir: model.dir, ids: IDS });
      assert.equal(reference.vocab, model.config.vocabSize);
      const ort = await openOrtModel(join(model.dir, 'onnx', 'model.onnx'));
      try {
        const ours = await runOrt(ort, [IDS], [IDS.map(() => 1)], [IDS.map((_, i) => i)]);
        assert.equal(ours.logits.length, reference.logits.length);
        let largest = 0;
        let worst = 0;
        for (let i = 0; i < ours.logits.length; i++) {
          largest = Math.max(largest, Math.abs(reference.logits[i]));
          worst = Math.max(worst, Math.abs(ours.logits[i] - reference.logits[i]));
        }
        assert.ok(largest > 0.1, `degenerate logits (largest ${largest})`);
        assert.ok(worst <= 1e-4 * largest, `max abs difference ${worst} against largest logit ${largest}`);
      } finally {
        await ort.session.release();
      }
    });
  }
});
