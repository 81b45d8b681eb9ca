/**
 * @file The completion pipeline's `RunModel` over `ModelService`'s completion slot: each call
 * streams from the worker's engine, and a cancelled request (the user typed on) or download ends
 * as "no suggestion" rather than an error.
 */
import type { ModelService } from '../../host/modelService';
import { isAbortError } from '../../modelStore/errors';
import type { RunModel } from '../pipeline';

/** A `RunModel` over the engine's `completion` slot. */
export function modelServiceRunner(models: Pick<ModelService, 'generate'>): RunModel {
  return (call, onText, signal) =>
    models
      .generate('completion', { slot: 'completion', prompt: call.prompt, maxNewTokens: call.maxNewTokens, stopStrings: call.stopStrings, timeBudgetMs: call.timeBudgetMs, sampling: call.sampling }, onText, signal)
      .catch((error: unknown) => {
        if (isAbortError(error)) return undefined;
        throw error;
      });
}
