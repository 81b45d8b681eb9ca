/**
 * @file The completion pipeline's `RunModel` over a remote server's `/v1/completions`: the
 * pipeline has built the prompt (template, snippets, FIM when an adapter uses it) and the stop
 * strings; the server only continues the text, greedily like the local engine. Streamed, so that
 * the postprocessing stopping early closes the request and the server stops generating.
 */
import { isAbortError } from '../modelStore/errors';
import type { RunModel } from '../completion/pipeline';
import type { RemoteServer } from './remoteServer';

/** A `RunModel` over `server()` (resolved per call, so a changed setting applies to the next request). */
export function remoteRunModel(server: () => Promise<RemoteServer>): RunModel {
  return async (call, onText, signal) => {
    try {
      const remote = await server();
      const model = await remote.model('completion', signal);
      const result = await remote.client.complete(
        { model: model.id, prompt: call.prompt, maxTokens: call.maxNewTokens, stop: call.stopStrings, temperature: 0, stream: true },
        onText,
        signal,
      );
      return {
        promptTokens: result.promptTokens ?? 0,
        reusedTokens: 0,
        timeToFirstTokenMs: result.timeToFirstTokenMs,
        totalMs: result.totalMs,
        finishReason: result.finishReason,
      };
    } catch (error) {
      // The user typed on: no suggestion, not an error.
      if (isAbortError(error)) return undefined;
      throw error;
    }
  };
}
