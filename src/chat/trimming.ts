/**
 * @file Fits a chat prompt into the model's window by tokens. Oldest exchanges go first, then
 * context blocks in the order given; the system prompt and the latest question always stay.
 * Works on token counts only, so the policy is tested without a tokenizer.
 */

/** Token counts of the prompt's parts, each including its chat-template overhead. */
export interface PromptSizes {
  readonly system: number;
  /** Earlier exchanges (a question and its reply), oldest first. */
  readonly exchanges: readonly number[];
  /** Context blocks of the latest question, in the order they may be dropped. */
  readonly context: readonly number[];
  readonly question: number;
}

/** What stays in the prompt. */
export interface TrimPlan {
  /** How many of the oldest exchanges are left out. */
  readonly droppedExchanges: number;
  /** Indices into `context` of the blocks left out. */
  readonly droppedContext: readonly number[];
  readonly totalTokens: number;
  /** false when even the system prompt and the bare question exceed the budget. */
  readonly fits: boolean;
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

/** Drops the least important parts until the prompt is at most `budget` tokens. */
export function planTrim(sizes: PromptSizes, budget: number): TrimPlan {
  let total = sizes.system + sum(sizes.exchanges) + sum(sizes.context) + sizes.question;
  let droppedExchanges = 0;
  while (total > budget && droppedExchanges < sizes.exchanges.length) {
    total -= sizes.exchanges[droppedExchanges];
    droppedExchanges += 1;
  }
  const droppedContext: number[] = [];
  for (let i = 0; total > budget && i < sizes.context.length; i++) {
    total -= sizes.context[i];
    droppedContext.push(i);
  }
  return { droppedExchanges, droppedContext, totalTokens: total, fits: total <= budget };
}
