/**
 * @file The completion pipeline run directly on an `Engine` in the test process, with the same
 * model call the extension makes through its worker (greedy, completion slot): what the ghost
 * text in code-server must equal.
 */
import { runPipeline, type ModelRunStats, type PipelineOptions, type RunModel } from '../../../src/completion/pipeline';
import type { CompletionInput } from '../../../src/completion/types';
import type { Engine } from '../../../src/runtime/engine';

/** The pipeline's suggestion for `input` on `engine` with `options`. */
export async function directSuggestion(engine: Engine, input: CompletionInput, options: PipelineOptions): Promise<string> {
  const runModel: RunModel = async (call, onText, signal) => {
    const stream = engine.generate(
      { slot: 'completion', prompt: call.prompt, maxNewTokens: call.maxNewTokens, stopStrings: call.stopStrings, timeBudgetMs: call.timeBudgetMs },
      signal,
    );
    for (;;) {
      const step = await stream.next();
      if (step.done) return step.value satisfies ModelRunStats;
      onText(step.value);
    }
  };
  return (await runPipeline(input, options, runModel, new AbortController().signal)).text;
}
