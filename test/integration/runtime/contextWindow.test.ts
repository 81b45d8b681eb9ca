/**
 * @file A prompt longer than the context window, on every graph: it is cut from the left to the
 * same tokens on the plain and the fused graph, generation stops when the window is full, and
 * both graphs give the same greedy tokens. Before, the plain graph ran silently past the
 * window and the fused one failed with "2304 positions exceed the model's context of 2048" for
 * a 5999-token prompt.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { toConfigJson } from '../../../src/model/config';
import { writeFusedOnnxVariant } from '../../../src/model/modelFolder';
import { Engine, type GenerateStats } from '../../../src/runtime/engine';
import { makeTempModel, tinyConfig, type TempModel } from '../../support/tinyModel';

const CONTEXT = 64;
const PROMPT = Array.from({ length: 40 }, (_, i) => `const value${i} = compute(${i});`).join('\n');

describe('prompts longer than the context window', () => {
  let model: TempModel;
  const engines: Record<'plain' | 'fused', Engine> = {} as never;
  before(async () => {
    model = makeTempModel({ config: tinyConfig({ maxPositionEmbeddings: CONTEXT }) });
    writeFusedOnnxVariant(model.dir, 'fp32', { attention: 'matmul', gqaBelowPositions: 0 });
    // Only end at the window or maxNewTokens: a random model may say end-of-sequence early.
    writeFileSync(join(model.dir, 'generation_config.json'), JSON.stringify({ eos_token_id: [] }));
    writeFileSync(join(model.dir, 'config.json'), JSON.stringify({ ...toConfigJson(model.config, 'float32'), eos_token_id: [] }));
    for (const graph of ['plain', 'fused'] as const) engines[graph] = await Engine.load({ modelDir: model.dir, dtype: 'fp32', device: 'cpu', threads: 1, graph, prefillChunk: 16 });
  });
  after(async () => {
    for (const engine of Object.values(engines)) await engine.dispose();
    model.dispose();
  });

  async function run(graph: 'plain' | 'fused', maxNewTokens: number): Promise<GenerateStats> {
    return engines[graph].complete({ slot: `s-${maxNewTokens}`, prompt: PROMPT, maxNewTokens, reuseCache: false });
  }

  it('cuts the prompt from the left to leave room for the new tokens, the same on both graphs', async () => {
    const whole = engines.plain.promptIds(PROMPT).length;
    assert.ok(whole > 3 * CONTEXT, `the prompt has ${whole} tokens`);
    for (const graph of ['plain', 'fused'] as const) {
      const stats = await run(graph, 16);
      assert.equal(stats.promptTokens, CONTEXT - 16, graph);
      assert.equal(stats.truncatedTokens, whole - (CONTEXT - 16), graph);
      assert.equal(stats.finishReason, 'max-tokens', graph);
    }
    assert.deepEqual((await run('fused', 16)).tokens, (await run('plain', 16)).tokens);
  });

  it('stops when the window is full instead of running past it, the same on both graphs', async () => {
    const results = [];
    for (const graph of ['plain', 'fused'] as const) {
      const stats = await run(graph, 200);
      // Half the window stays for the prompt; the last token is sampled from the last position.
      assert.equal(stats.promptTokens, CONTEXT / 2, graph);
      assert.equal(stats.promptTokens + stats.tokens.length - 1, CONTEXT, graph);
      assert.equal(stats.finishReason, 'max-tokens', graph);
      results.push(stats.tokens);
    }
    assert.deepEqual(results[1], results[0]);
  });
});
