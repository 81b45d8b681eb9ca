/**
 * @file How log lines and CLI headers name the native step an engine runs (`EngineGraph`'s
 * `nativeDecode` and `nativePrompts`). Apart from engine.ts, so the extension host can format a
 * worker's answer without loading the engine.
 */

/** `, native decode (kernel)`, with `, prompts too` where prompt chunks run there as well; '' without the native step. */
export function nativeSummary(graph: { readonly nativeDecode?: string; readonly nativePrompts?: boolean }): string {
  if (!graph.nativeDecode) return '';
  return `, native decode (${graph.nativeDecode})${graph.nativePrompts ? ', prompts too' : ''}`;
}
