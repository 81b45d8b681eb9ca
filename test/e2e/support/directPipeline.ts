/**
 * @file The completion pipeline run directly on an `Engine` in the test process, with the same
 * model call the extension makes through its worker (greedy, completion slot): what the ghost
 * text in code-server must equal.
 */
import { engineRunModel } from '../../../src/completion/engineRunner';
import { runPipeline, type PipelineOptions } from '../../../src/completion/pipeline';
import type { CompletionInput } from '../../../src/completion/types';
import type { Engine } from '../../../src/runtime/engine';

/** The pipeline's suggestion for `input` on `engine` with `options`. */
export async function directSuggestion(engine: Engine, input: CompletionInput, options: PipelineOptions): Promise<string> {
  return (await runPipeline(input, options, engineRunModel(engine), new AbortController().signal)).text;
}
