/**
 * @file The chat messages that ask the model to rewrite a selection: the language, the lines
 * around it as read-only context, the selection and the instruction, with the request for only
 * the rewritten code in one fenced block. The instruction comes last, where SmolLM2-Instruct
 * attends to it best.
 */
import type { ChatMessage } from '../runtime/tokenizer';

/** The system prompt of Edit Selection. */
export const EDIT_SYSTEM_PROMPT =
  'You are SmolCode, a coding assistant inside VS Code. You rewrite the code the user selected ' +
  'as they ask. Reply with only the rewritten code in one fenced Markdown block, with no ' +
  'explanation. Keep the code that the instruction does not ask to change.';

/** What to rewrite, and the lines around it. */
export interface EditRequest {
  /** VS Code's language id of the file (`python`, `typescript`, …), also the fence's tag. */
  readonly languageId: string;
  /** The file's workspace-relative path, for the model's orientation only. */
  readonly path: string;
  /** Whole lines of the selection, without the final line break. */
  readonly selection: string;
  /** Lines above the selection, nearest last. */
  readonly before: readonly string[];
  /** Lines below the selection, nearest first. */
  readonly after: readonly string[];
  readonly instruction: string;
}

function fenced(languageId: string, text: string): string {
  // A fence longer than any backtick run inside keeps the block closed (CommonMark's rule).
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${languageId}\n${text}\n${fence}`;
}

/** The user message: context before, the selection, context after, then the instruction. */
export function editUserMessage(request: EditRequest): string {
  const tag = request.languageId;
  const parts = [`File: ${request.path} (${tag})`];
  if (request.before.length > 0) parts.push(`Code above the selection (context only, do not repeat it):\n${fenced(tag, request.before.join('\n'))}`);
  parts.push(`Selected code:\n${fenced(tag, request.selection)}`);
  if (request.after.length > 0) parts.push(`Code below the selection (context only, do not repeat it):\n${fenced(tag, request.after.join('\n'))}`);
  parts.push(`Instruction: ${request.instruction.trim()}`);
  parts.push(`Reply with the rewritten selected code only, in one \`\`\`${tag} block.`);
  return parts.join('\n\n');
}

/** The messages to send for `request`. */
export function editMessages(request: EditRequest): ChatMessage[] {
  return [
    { role: 'system', content: EDIT_SYSTEM_PROMPT },
    { role: 'user', content: editUserMessage(request) },
  ];
}
