/**
 * @file Ctrl+C during generation stops the generation (the engine honours the signal before
 * the next step) instead of killing the process mid-write.
 */

/** An AbortSignal fired by the first SIGINT; `dispose` restores the default handling. */
export function sigintSignal(): { readonly signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => process.removeListener('SIGINT', onSigint) };
}
