/**
 * @file The pipeline's model call on an `Engine` in this process (greedy unless the call samples, the completion slot,
 * so consecutive prompts reuse its KV cache), for the CLI's benchmark and tests; the extension
 * makes the same call through its worker (ui/modelServiceRunner.ts).
 */
import type { Engine } from '../runtime/engine';
import type { ModelRunStats, RunModel } from './pipeline';

/** `RunModel` over `engine`. */
export function engineRunModel(engine: Pick<Engine, 'generate'>): RunModel {
  return async (call, onText, signal) => {
    const stream = engine.generate(
      { slot: 'completion', prompt: call.prompt, maxNewTokens: call.maxNewTokens, stopStrings: call.stopStrings, timeBudgetMs: call.timeBudgetMs, sampling: call.sampling },
      signal,
    );
    for (;;) {
      const step = await stream.next();
      if (step.done) return step.value satisfies ModelRunStats;
      onText(step.value);
    }
  };
}
