/**
 * @file How a request fits the model's context window, decided once in the engine so every
 * graph behaves alike: the plain graph used to run silently past the window (positions the model
 * never saw in training), and the fused graph failed with a position count from the middle of
 * prefill. A prompt that leaves no room is cut from the left, keeping the text nearest the
 * cursor or the latest chat turn, and generation stops when the window is full.
 */

/**
 * Most prompt tokens kept for a window of `context` tokens and `maxNewTokens` new ones: room
 * for all of them, but never less than half the window, so asking for a long answer does not
 * erase the question.
 */
export function promptBudget(context: number, maxNewTokens: number): number {
  return Math.max(context - maxNewTokens, Math.ceil(context / 2));
}

/** `ids` cut from the left to `promptBudget`, and how many tokens were dropped. */
export function fitPrompt(ids: readonly number[], context: number, maxNewTokens: number): { readonly ids: number[]; readonly dropped: number } {
  const dropped = Math.max(0, ids.length - promptBudget(context, maxNewTokens));
  return { ids: ids.slice(dropped), dropped };
}
