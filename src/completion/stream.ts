/**
 * @file Turns a callback-streaming generation (the worker's chunks) into an async iterable, so
 * the postprocessing stages can pull text and stop early: when the consumer stops iterating,
 * the generation's AbortSignal fires.
 */

/** Starts a generation that reports text through `onText` and ends when the promise settles. */
export type StartGeneration = (onText: (text: string) => void, signal: AbortSignal) => Promise<unknown>;

/** Streams the text of `start`; breaking out of the loop (or `outer` aborting) cancels it. */
export async function* streamText(start: StartGeneration, outer?: AbortSignal): AsyncGenerator<string> {
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort();
  outer?.addEventListener('abort', onOuterAbort);
  const queue: string[] = [];
  let wake: (() => void) | undefined;
  let done = false;
  let failure: unknown;
  const finished = start((text) => {
    queue.push(text);
    wake?.();
  }, controller.signal).then(
    () => undefined,
    (error: unknown) => {
      failure = error;
    },
  ).finally(() => {
    done = true;
    wake?.();
  });
  try {
    for (;;) {
      if (queue.length > 0) {
        yield queue.shift() as string;
        continue;
      }
      if (done) break;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
    if (failure !== undefined) throw failure;
  } finally {
    outer?.removeEventListener('abort', onOuterAbort);
    controller.abort();
    await finished;
  }
}
