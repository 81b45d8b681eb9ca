/**
 * @file Our engine as a benchmark runtime: `Engine.load` and `Engine.complete` on one slot, with
 * the engine's own tokenisation of the prompt text (part of what a user waits for).
 */
import '../../../src/runtime/telemetry';
import { Engine } from '../../../src/runtime/engine';
import { loadOrt } from '../../../src/runtime/session';
import type { BenchPrompt } from '../prompts';
import type { BenchRuntime, GenerationTiming, LoadedModel } from './runtime';

const SLOT = 'bench';

class OursModel implements LoadedModel {
  constructor(private readonly engine: Engine) {}

  async generate(prompt: BenchPrompt, newTokens: number, reuseCache: boolean): Promise<GenerationTiming> {
    const stats = await this.engine.complete({
      slot: SLOT,
      prompt: prompt.text,
      maxNewTokens: newTokens,
      stopTokenIds: [],
      reuseCache,
    });
    if (stats.promptTokens !== prompt.ids.length) {
      throw new Error(`the engine tokenised a ${prompt.ids.length}-token prompt into ${stats.promptTokens} tokens`);
    }
    return {
      timeToFirstTokenMs: stats.timeToFirstTokenMs,
      totalMs: stats.totalMs,
      tokens: stats.tokens.length,
      reusedTokens: stats.reusedTokens,
    };
  }

  dispose(): Promise<void> {
    return this.engine.dispose();
  }
}

/** Our engine on the CPU provider. */
export const oursRuntime: BenchRuntime = {
  supportsReuse: true,
  async warmUp() {
    await loadOrt();
    await import('@huggingface/transformers');
  },
  async load(modelDir, dtype, threads, graph) {
    return new OursModel(await Engine.load({ modelDir, dtype, device: 'cpu', threads, graph }));
  },
};
