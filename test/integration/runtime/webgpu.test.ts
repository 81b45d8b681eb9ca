/**
 * @file The engine on ONNX Runtime's WebGPU provider (bundled in onnxruntime-node), plain and
 * fused graphs: greedy tokens equal the CPU provider's. Without a GPU this runs on a software
 * Vulkan adapter: Chromium's SwiftShader ICD (Debian/Ubuntu package `chromium-common`,
 * /usr/lib/chromium/vk_swiftshader_icd.json), which the test selects through VK_ICD_FILENAMES
 * when that is unset. Mesa's lavapipe 22.x (`mesa-vulkan-drivers` on Debian 12) is rejected by
 * Dawn ("shaderUniform*ArrayDynamicIndexing required"). With no adapter at all the tests skip
 * and say so, and fail under CI, where `npm run test:prepare` installs both (support/provided.ts).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Engine } from '../../../src/runtime/engine';
import { writeFusedOnnxVariant } from '../../../src/model/modelFolder';
import { provided } from '../../support/provided';
import { makeTempModel, type TempModel } from '../../support/tinyModel';

const SWIFTSHADER_ICDS = ['/usr/lib/chromium/vk_swiftshader_icd.json', '/usr/lib/chromium-browser/vk_swiftshader_icd.json'];
// The Vulkan loader reads this when Dawn first initialises, which is after this line.
if (process.env.VK_ICD_FILENAMES === undefined) {
  const icd = SWIFTSHADER_ICDS.find((path) => existsSync(path));
  if (icd) process.env.VK_ICD_FILENAMES = icd;
}

const PROMPT = 'def fibonacci(n):\n';

describe('engine on the WebGPU provider', () => {
  let model: TempModel;
  let skipReason: string | undefined;

  before(async () => {
    model = makeTempModel({ variants: ['fp32'] });
    writeFusedOnnxVariant(model.dir, 'fp32');
    const probe = await Engine.load({ modelDir: model.dir, dtype: 'fp32', device: 'webgpu', threads: 1, graph: 'plain', optimizedModelDir: '' });
    if (probe.provider.name !== 'webgpu') {
      skipReason = `no WebGPU adapter (${probe.provider.fallbacks.join('; ')}); it needs Debian's libvulkan1 and chromium-common (SwiftShader) or a GPU`;
    }
    await probe.dispose();
  });
  after(() => model.dispose());

  for (const graph of ['plain', 'fused'] as const) {
    it(`gives the CPU provider's greedy tokens (${graph} graph)`, async (t) => {
      if (!provided(t, skipReason)) return;
      const options = { modelDir: model.dir, dtype: 'fp32', threads: 1, graph, optimizedModelDir: '' } as const;
      const gpu = await Engine.load({ ...options, device: 'webgpu' });
      const cpu = await Engine.load({ ...options, device: 'cpu' });
      try {
        assert.equal(gpu.provider.name, 'webgpu');
        // The fused graph keeps its cache in GPU memory (deviceKvSession.ts); the plain one on the host.
        assert.equal(gpu.graph.kvOnDevice, graph === 'fused');
        const request = { slot: 'gpu', prompt: PROMPT, maxNewTokens: 6, stopTokenIds: [], reuseCache: false };
        const expected = (await cpu.complete(request)).tokens;
        assert.deepEqual((await gpu.complete(request)).tokens, expected);
        const reused = await gpu.complete({ ...request, reuseCache: true });
        assert.ok(reused.reusedTokens > 0);
        assert.deepEqual(reused.tokens, expected);
        // An edit inside the prompt keeps only the common prefix of the cache.
        const edited = { ...request, prompt: PROMPT.replace('fibonacci', 'fib'), reuseCache: true };
        const editedExpected = (await cpu.complete({ ...edited, reuseCache: false })).tokens;
        const editedRun = await gpu.complete(edited);
        assert.ok(editedRun.reusedTokens > 0 && editedRun.reusedTokens < gpu.promptIds(PROMPT).length);
        assert.deepEqual(editedRun.tokens, editedExpected);
      } finally {
        await gpu.dispose();
        await cpu.dispose();
      }
    });
  }
});
