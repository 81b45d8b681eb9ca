/**
 * @file Builds the chat messages for the model from a conversation: the system prompt, the
 * earlier exchanges that fit, and the latest question with its context, trimmed to the
 * model's window by tokens (see trimming.ts for the policy).
 */
import type { ChatMessage } from '../runtime/tokenizer';
import type { ContextChip, TrimNotice } from '../shared/protocol';
import type { StoredTurn } from './conversation';
import { userMessage } from './contextAssembly';
import { planTrim } from './trimming';

/** What the chat template adds around each message: `<|im_start|>role\n` … `<|im_end|>\n`. */
export const MESSAGE_OVERHEAD_TOKENS = 5;

/** The system prompt of SmolCode's chat; always sent, never trimmed. */
export const SYSTEM_PROMPT =
  'You are SmolCode, a coding assistant running locally inside VS Code. Answer briefly and ' +
  'precisely. Put code in fenced Markdown blocks with a language tag.';

export interface PromptInput {
  readonly system: string;
  /** The conversation so far, ending with the question to answer. */
  readonly turns: readonly StoredTurn[];
  readonly windowTokens: number;
  /** Tokens kept free for the reply. */
  readonly replyTokens: number;
  readonly countTokens: (texts: readonly string[]) => Promise<number[]>;
}

export interface BuiltPrompt {
  readonly messages: ChatMessage[];
  readonly notice: TrimNotice;
  /** false when the system prompt and the bare question alone exceed the window. */
  readonly fits: boolean;
}

/**
 * Earlier user turns whose context block is attached again to the latest question get a
 * short pointer instead, so a file attached to every question is not paid for repeatedly.
 */
function historyMessages(history: readonly StoredTurn[], latestBlocks: ReadonlySet<string>): ChatMessage[][] {
  const exchanges: ChatMessage[][] = [];
  for (const turn of history) {
    if (turn.role === 'assistant') {
      if (turn.content !== '' && exchanges.length > 0) exchanges[exchanges.length - 1].push({ role: 'assistant', content: turn.content });
      continue;
    }
    const blocks = turn.blocks.map((text, i) =>
      latestBlocks.has(text) ? `(\`${turn.context[i]?.label ?? 'context'}\` as attached to the latest message)` : text,
    );
    exchanges.push([{ role: 'user', content: userMessage(turn.content, blocks) }]);
  }
  return exchanges;
}

function describeChip(chip: ContextChip | undefined): string {
  if (!chip) return 'context';
  switch (chip.kind) {
    case 'file':
      return `file ${chip.label}`;
    case 'selection':
      return `selection in ${chip.label} (${chip.detail})`;
    case 'problems':
      return `problems of ${chip.label}`;
    case 'diff':
      return `the diff (${chip.detail})`;
  }
}

/** The messages to send for the conversation's last (user) turn, and what was left out. */
export async function buildPrompt(input: PromptInput): Promise<BuiltPrompt> {
  const latest = input.turns[input.turns.length - 1];
  if (latest?.role !== 'user') throw new Error(`the last turn must be a question, got ${latest?.role ?? 'none'}`);
  const exchanges = historyMessages(input.turns.slice(0, -1), new Set(latest.blocks));
  const flat = exchanges.flat();
  const counts = await input.countTokens([input.system, ...flat.map((m) => m.content), latest.content, ...latest.blocks]);
  let at = 1;
  const exchangeSizes = exchanges.map((exchange) => {
    let size = 0;
    for (let i = 0; i < exchange.length; i++) size += counts[at++] + MESSAGE_OVERHEAD_TOKENS;
    return size;
  });
  const question = counts[at++] + MESSAGE_OVERHEAD_TOKENS;
  // Each block is joined to the question with a blank line, about one token.
  const context = latest.blocks.map(() => counts[at++] + 1);
  const budget = input.windowTokens - input.replyTokens;
  const plan = planTrim({ system: counts[0] + MESSAGE_OVERHEAD_TOKENS, exchanges: exchangeSizes, context, question }, budget);

  const dropped = new Set(plan.droppedContext);
  const keptBlocks = latest.blocks.filter((_, i) => !dropped.has(i));
  const messages: ChatMessage[] = [
    { role: 'system', content: input.system },
    ...exchanges.slice(plan.droppedExchanges).flat(),
    { role: 'user', content: userMessage(latest.content, keptBlocks) },
  ];
  const notice: TrimNotice = {
    droppedTurns: plan.droppedExchanges,
    droppedContext: plan.droppedContext.map((i) => describeChip(latest.context[i])),
    promptTokens: plan.totalTokens,
    windowTokens: input.windowTokens,
  };
  return { messages, notice, fits: plan.fits };
}
