/**
 * @file One inline edit from request to rewritten code, without VS Code: counts the parts,
 * plans the window (editBudget.ts), asks the chat model through the chat's `ChatBackend`
 * (the same generation path as the chat panel), streams, and takes the code out of the reply
 * with the selection's indentation. The UI turns each outcome into a diff or a message.
 */
import type { ChatBackend } from '../chat/chatBackend';
import { MESSAGE_OVERHEAD_TOKENS } from '../chat/promptBuilder';
import type { FinishReason } from '../runtime/engine';
import { planEditBudget } from './editBudget';
import { editMessages, EDIT_SYSTEM_PROMPT, editUserMessage, type EditRequest } from './editPrompt';
import { extractCode } from './extractCode';
import { keepIndentation } from './indentation';

/**
 * The two context blocks' headers and fences, and the assistant turn's opening, which the
 * bare prompt's count does not include.
 */
const FRAMING_TOKENS = 40;

/** How an edit ended. */
export type EditOutcome =
  | { readonly kind: 'rewritten'; readonly code: string; readonly finishReason: FinishReason; readonly promptTokens: number }
  | { readonly kind: 'unchanged'; readonly promptTokens: number }
  | { readonly kind: 'no-code'; readonly reply: string }
  | { readonly kind: 'too-long'; readonly baseTokens: number; readonly replyTokens: number; readonly windowTokens: number }
  | { readonly kind: 'cancelled' };

/** Progress of the streamed reply. */
export interface EditProgress {
  /** The reply so far. */
  readonly reply: string;
  /** Lines of code in it so far. */
  readonly lines: number;
}

/** Resolves when `signal` aborts (never before). */
function aborted(signal: AbortSignal): Promise<'aborted'> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve('aborted');
    else signal.addEventListener('abort', () => resolve('aborted'), { once: true });
  });
}

/**
 * Rewrites `request.selection` as its instruction asks. `request.before`/`after` may hold more
 * lines than fit; the nearest that fit are sent. Cancelling `signal` ends the edit at once.
 */
export async function rewriteSelection(
  backend: ChatBackend,
  request: EditRequest,
  onProgress: (progress: EditProgress) => void,
  signal: AbortSignal,
): Promise<EditOutcome> {
  const bare = { ...request, before: [], after: [] };
  const beforeNearest = [...request.before].reverse();
  const counted = await Promise.race([
    Promise.all([
      backend.contextLength(),
      backend.countTokens([EDIT_SYSTEM_PROMPT, editUserMessage(bare), request.selection, ...beforeNearest, ...request.after]),
    ]),
    aborted(signal),
  ]);
  if (counted === 'aborted') return { kind: 'cancelled' };
  const [windowTokens, counts] = counted;
  const lineTokens = (from: number, n: number) => counts.slice(from, from + n).map((c) => c + 1);
  const budget = planEditBudget({
    windowTokens,
    baseTokens: counts[0] + counts[1] + 2 * MESSAGE_OVERHEAD_TOKENS + FRAMING_TOKENS,
    selectionTokens: counts[2],
    before: lineTokens(3, beforeNearest.length),
    after: lineTokens(3 + beforeNearest.length, request.after.length),
  });
  if (!budget.fits) {
    const baseTokens = counts[0] + counts[1] + 2 * MESSAGE_OVERHEAD_TOKENS;
    return { kind: 'too-long', baseTokens, replyTokens: budget.replyTokens, windowTokens };
  }

  const messages = editMessages({
    ...request,
    before: request.before.slice(request.before.length - budget.keepBefore),
    after: request.after.slice(0, budget.keepAfter),
  });
  let reply = '';
  const replied = await Promise.race([
    backend.reply(messages, budget.replyTokens, (delta) => {
      reply += delta;
      onProgress({ reply, lines: extractCode(reply).split('\n').filter((line) => line.trim() !== '').length });
    }, signal).catch((error: unknown) => {
      if (signal.aborted) return 'aborted' as const;
      throw error;
    }),
    aborted(signal),
  ]);
  if (replied === 'aborted' || replied.finishReason === 'cancelled') return { kind: 'cancelled' };

  const extracted = extractCode(replied.text);
  if (extracted.trim() === '') return { kind: 'no-code', reply: replied.text };
  const code = keepIndentation(extracted, request.selection);
  if (code === request.selection) return { kind: 'unchanged', promptTokens: budget.promptTokens };
  return { kind: 'rewritten', code, finishReason: replied.finishReason, promptTokens: budget.promptTokens };
}
