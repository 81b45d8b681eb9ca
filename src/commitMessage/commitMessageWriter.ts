/**
 * @file Writes a commit message for a diff with the chat model: parse, count every header and
 * hunk in one batch, fit them to the budget, build the prompt, check its real size (the fitter
 * estimates cut hunks and notes), and stream the cleaned reply. No vscode: the UI hands in the
 * diff and shows the text.
 */
import type { ChatBackend, ChatReply } from '../chat/chatBackend';
import { commitPrompt } from './commitPrompt';
import { fitDiff, type FittedDiff, type SizedFile } from './diffBudget';
import { parseDiff, type FileDiff } from './diffParse';
import { cleanReply } from './replyCleanup';

/**
 * Tokens kept for the reply: a subject and a few lines of body. A model that rambles on instead
 * of ending is cut here (on 2 busy cores 135M writes about 5 tokens a second).
 */
export const REPLY_TOKENS = 96;
/**
 * Most tokens of diff in the prompt, even when the window holds more: reading a long prompt
 * takes seconds on a CPU, and a 135M model does not describe a longer diff any better.
 */
export const MAX_DIFF_TOKENS = 2048;
/** Tokens of the prompt besides the diff: system prompt, instruction, file list of a usual commit. */
const PROMPT_TOKENS_BESIDES_DIFF = 400;
/** Hunks are cut to this many characters per budget token before counting (a token is at least a character). */
const COUNT_CHARS_PER_TOKEN = 8;
/** Tries at fitting before giving up on a prompt that the estimates keep overfilling. */
const FIT_TRIES = 4;

/** A diff had no file in it. */
export class EmptyDiffError extends Error {
  override readonly name = 'EmptyDiffError';
}

/** What one run wrote, and what the prompt held. */
export interface WrittenMessage {
  readonly message: string;
  /** The model's reply as it came, before cleaning. */
  readonly reply: string;
  readonly finishReason: ChatReply['finishReason'];
  readonly files: number;
  readonly fitted: FittedDiff;
  readonly promptTokens: number;
}

/** `file` with its hunks cut to `maxChars` each, so counting a huge diff stays cheap. */
function capHunks(file: FileDiff, maxChars: number): FileDiff {
  if (file.hunks.every((hunk) => hunk.length <= maxChars)) return file;
  return { ...file, hunks: file.hunks.map((hunk) => (hunk.length <= maxChars ? hunk : hunk.slice(0, hunk.lastIndexOf('\n', maxChars) + 1 || maxChars))) };
}

/** Counts headers and hunks of the shown files in one call. */
async function sizeFiles(files: readonly FileDiff[], countTokens: ChatBackend['countTokens']): Promise<SizedFile[]> {
  const texts = files.flatMap((file) => (file.summary ? [] : [file.header, ...file.hunks]));
  const counts = texts.length > 0 ? await countTokens(texts) : [];
  let next = 0;
  return files.map((file) => {
    if (file.summary) return { file, headerTokens: 0, hunkTokens: [] };
    const headerTokens = counts[next++];
    const hunkTokens = file.hunks.map(() => counts[next++]);
    return { file, headerTokens, hunkTokens };
  });
}

/** Throws the signal's reason when it is aborted (after each await: the user may have cancelled). */
function checkCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new DOMException('cancelled', 'AbortError');
}

/**
 * Writes a commit message for `diff`; `onMessage` gets the cleaned message so far at each
 * streamed piece. Throws `EmptyDiffError` for a diff without files.
 */
export async function writeCommitMessage(
  diff: string,
  backend: ChatBackend,
  onMessage: (message: string) => void,
  signal: AbortSignal,
): Promise<WrittenMessage> {
  const parsed = parseDiff(diff);
  if (parsed.length === 0) throw new EmptyDiffError('the diff has no changed files');
  const windowTokens = await backend.contextLength();
  checkCancelled(signal);
  let budget = Math.min(MAX_DIFF_TOKENS, windowTokens - REPLY_TOKENS - PROMPT_TOKENS_BESIDES_DIFF);
  const files = parsed.map((file) => capHunks(file, Math.max(1, budget) * COUNT_CHARS_PER_TOKEN));
  const sized = await sizeFiles(files, (texts) => backend.countTokens(texts));
  checkCancelled(signal);

  for (let attempt = 1; ; attempt++) {
    const fitted = fitDiff(sized, Math.max(0, budget));
    const messages = commitPrompt(files, fitted);
    const counts = await backend.countTokens(messages.map((message) => message.content));
    checkCancelled(signal);
    // Each message also pays the chat template's few tokens around it.
    const promptTokens = counts.reduce((a, b) => a + b + 5, 0);
    const over = promptTokens + REPLY_TOKENS - windowTokens;
    if (over > 0 && attempt < FIT_TRIES) {
      budget -= over + 32;
      continue;
    }
    if (over > 0) throw new Error(`the prompt does not fit the model's window of ${windowTokens} tokens even without the diff`);
    let raw = '';
    const reply = await backend.reply(messages, REPLY_TOKENS, (text) => {
      raw += text;
      onMessage(cleanReply(raw));
    }, signal);
    checkCancelled(signal);
    return { message: cleanReply(reply.text), reply: reply.text, finishReason: reply.finishReason, files: parsed.length, fitted, promptTokens };
  }
}
