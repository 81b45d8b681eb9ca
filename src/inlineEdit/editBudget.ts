/**
 * @file Fits an edit into the chat model's window by tokens: room for the reply first (the
 * rewrite is about as long as the selection, plus what the instruction adds), then the
 * selection and instruction, then as many surrounding lines as fit, nearest first and
 * alternating above and below. Works on token counts only, so it is tested without a tokenizer.
 */

/** Reply room beyond the selection's own length: a docstring, comments, a few new lines. */
export const REPLY_SLACK_TOKENS = 192;
/** The least reply room, so that a one-line selection may still grow into a few lines. */
export const MIN_REPLY_TOKENS = 256;
/**
 * The most tokens of surrounding lines: enough to show the enclosing function or class; more
 * distracts a 135M model from the selection rather than helping it.
 */
export const MAX_CONTEXT_TOKENS = 768;
/** The most lines read on each side of the selection before counting tokens. */
export const MAX_CONTEXT_LINES = 40;

/** Token counts of an edit's parts. */
export interface EditSizes {
  readonly windowTokens: number;
  /** The prompt without any surrounding lines (system, selection, instruction, template). */
  readonly baseTokens: number;
  readonly selectionTokens: number;
  /** Each line above the selection, nearest first (its line break included). */
  readonly before: readonly number[];
  /** Each line below the selection, nearest first. */
  readonly after: readonly number[];
}

/** How the window is spent. */
export interface EditBudget {
  /** Most new tokens of the reply. */
  readonly replyTokens: number;
  /** How many lines above and below the selection go into the prompt. */
  readonly keepBefore: number;
  readonly keepAfter: number;
  readonly promptTokens: number;
  /** false when the selection and instruction alone leave no room for the reply. */
  readonly fits: boolean;
}

/** The reply room of a selection of `selectionTokens` in a window of `windowTokens`. */
export function replyTokensFor(selectionTokens: number, windowTokens: number): number {
  const wanted = Math.max(MIN_REPLY_TOKENS, Math.ceil(selectionTokens * 1.5) + REPLY_SLACK_TOKENS);
  return Math.min(wanted, Math.floor(windowTokens / 2));
}

/** Plans the prompt of an edit; see the file comment for the order. */
export function planEditBudget(sizes: EditSizes): EditBudget {
  const replyTokens = replyTokensFor(sizes.selectionTokens, sizes.windowTokens);
  const room = sizes.windowTokens - replyTokens - sizes.baseTokens;
  if (room < 0) return { replyTokens, keepBefore: 0, keepAfter: 0, promptTokens: sizes.baseTokens, fits: false };
  let left = Math.min(room, MAX_CONTEXT_TOKENS);
  let keepBefore = 0;
  let keepAfter = 0;
  let beforeOpen = true;
  let afterOpen = true;
  // Alternate sides so both the enclosing header above and the code below get a share; a side
  // stops at the first line that does not fit, so the kept lines stay contiguous.
  while (beforeOpen || afterOpen) {
    if (beforeOpen) {
      const size = sizes.before[keepBefore];
      if (size !== undefined && size <= left) {
        left -= size;
        keepBefore++;
      } else beforeOpen = false;
    }
    if (afterOpen) {
      const size = sizes.after[keepAfter];
      if (size !== undefined && size <= left) {
        left -= size;
        keepAfter++;
      } else afterOpen = false;
    }
  }
  const contextTokens = Math.min(room, MAX_CONTEXT_TOKENS) - left;
  return { replyTokens, keepBefore, keepAfter, promptTokens: sizes.baseTokens + contextTokens, fits: true };
}
