/**
 * @file `smolcode eval chat`: a small fixed set of code questions asked as the chat panel asks
 * them (the editor actions' requests with the file and selection as context, the system prompt,
 * the prompt builder's trimming, the panel's sampling and reply budget), with what must hold of
 * every answer checked: the ChatML template was applied, generation ended at `<|im_end|>` (not at
 * the length limit), the answer is not empty, and its code fences are balanced. The answers are
 * reported whole, so a reader can judge them.
 */
import { replyTokenBudget } from '../chat/chatController';
import type { ChatBackend } from '../chat/chatBackend';
import { fileItem, selectionItem, type EditorSnapshot } from '../chat/contextAssembly';
import { editorActionPrompt } from '../chat/editorActions';
import { buildPrompt, SYSTEM_PROMPT } from '../chat/promptBuilder';
import type { ChatMessage } from '../runtime/tokenizer';

/** One question: a request, and the editor state it is asked in (none: a question typed alone). */
export interface ChatCase {
  readonly name: string;
  readonly question: string;
  readonly editor?: EditorSnapshot;
}

/** What must hold of an answer. */
export interface ChatChecks {
  readonly templateApplied: boolean;
  readonly endedByItself: boolean;
  readonly nonEmpty: boolean;
  readonly fencesBalanced: boolean;
}

export interface ChatCaseResult {
  readonly name: string;
  readonly question: string;
  readonly answer: string;
  readonly finishReason: string;
  readonly promptTokens: number;
  readonly ms: number;
  readonly checks: ChatChecks;
}

export interface ChatEvalReport {
  readonly cases: readonly ChatCaseResult[];
  /** Cases that passed each check. */
  readonly passed: Readonly<Record<keyof ChatChecks, number>>;
}

/** The editor state of a case: the whole file, with `selected` (a substring of it) selected. */
function editorWith(path: string, languageId: string, text: string, selected: string): EditorSnapshot {
  const at = text.indexOf(selected);
  if (at < 0) throw new Error(`case ${path}: the selection is not in the file`);
  const startLine = text.slice(0, at).split('\n').length - 1;
  return { path, languageId, text, selection: { startLine, endLine: startLine + selected.split('\n').length - 1, text: selected } };
}

const CHUNKS_PY = `import itertools


def chunks(items, size):
    iterator = iter(items)
    while True:
        chunk = list(itertools.islice(iterator, size))
        if not chunk:
            return
        yield chunk
`;

const SLUGIFY_TS = `export function slugify(title: string): string {
  return title
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\\u0300-\\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}
`;

const AVERAGE_JS = `function average(values) {
  let total = 0;
  for (let i = 0; i <= values.length; i++) {
    total += values[i];
  }
  return total / values.length;
}

module.exports = { average };
`;

const USERS_PY = `def first_admin(users):
    for user in users:
        if user["role"] == "admin":
            return user
    return None


print(first_admin(load_users())["name"])
`;

/** The fixed questions: the three editor actions, an error to fix, and a question without code. */
export const CHAT_CASES: readonly ChatCase[] = [
  { name: 'explain', question: editorActionPrompt('explain'), editor: editorWith('utils/chunks.py', 'python', CHUNKS_PY, CHUNKS_PY.slice(CHUNKS_PY.indexOf('def chunks')).trimEnd()) },
  { name: 'write tests', question: editorActionPrompt('tests'), editor: editorWith('src/slugify.ts', 'typescript', SLUGIFY_TS, SLUGIFY_TS.trimEnd()) },
  { name: 'fix', question: editorActionPrompt('fix'), editor: editorWith('lib/average.js', 'javascript', AVERAGE_JS, AVERAGE_JS.slice(0, AVERAGE_JS.indexOf('\n\nmodule'))) },
  {
    name: 'fix this error',
    question: "Fix this error: TypeError: 'NoneType' object is not subscriptable",
    editor: editorWith('app/users.py', 'python', USERS_PY, 'print(first_admin(load_users())["name"])'),
  },
  { name: 'question', question: 'How do I read a text file line by line in Python?' },
];

/** Whether every fence line (```) has a partner: an odd count leaves a block open. */
export function fencesBalanced(text: string): boolean {
  return text.split('\n').filter((line) => /^\s*(```|~~~)/.test(line)).length % 2 === 0;
}

/** Whether `rendered` (the prompt as the engine runs it) is ChatML: system, then the user turn, then the assistant's opening. */
export function isChatMl(rendered: string, messages: readonly ChatMessage[]): boolean {
  const expected = messages.map((m) => `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`).join('') + '<|im_start|>assistant\n';
  return rendered.endsWith(expected);
}

/** What the chat benchmark needs of a model besides replies: the prompt as it will run. */
export interface ChatModel extends ChatBackend {
  /** The prompt text the engine runs for `messages` (the chat template applied). */
  render(messages: readonly ChatMessage[]): string;
}

/** Asks every case; `onCase` sees each result. */
export async function evalChat(model: ChatModel, cases: readonly ChatCase[] = CHAT_CASES, onCase: (result: ChatCaseResult) => void = () => undefined, signal: AbortSignal = new AbortController().signal): Promise<ChatEvalReport> {
  const windowTokens = await model.contextLength();
  const replyTokens = replyTokenBudget(windowTokens);
  const results: ChatCaseResult[] = [];
  for (const chatCase of cases) {
    signal.throwIfAborted();
    // The panel's default context: the file and the selection, as chips the user can remove.
    const items = chatCase.editor ? [fileItem(chatCase.editor), selectionItem(chatCase.editor)].filter((i) => i !== undefined) : [];
    const turn = { role: 'user' as const, content: chatCase.question, context: items.map((i) => i.chip), blocks: items.map((i) => i.block) };
    const prompt = await buildPrompt({ system: SYSTEM_PROMPT, turns: [turn], windowTokens, replyTokens, countTokens: (texts) => model.countTokens(texts) });
    const rendered = model.render(prompt.messages);
    const start = performance.now();
    const reply = await model.reply(prompt.messages, replyTokens, () => undefined, signal);
    const result: ChatCaseResult = {
      name: chatCase.name,
      question: chatCase.question,
      answer: reply.text,
      finishReason: reply.finishReason,
      promptTokens: prompt.notice.promptTokens,
      ms: performance.now() - start,
      checks: {
        templateApplied: isChatMl(rendered, prompt.messages),
        endedByItself: reply.finishReason === 'eos',
        nonEmpty: reply.text.trim() !== '',
        fencesBalanced: fencesBalanced(reply.text),
      },
    };
    results.push(result);
    onCase(result);
  }
  const passed = (key: keyof ChatChecks) => results.filter((r) => r.checks[key]).length;
  return { cases: results, passed: { templateApplied: passed('templateApplied'), endedByItself: passed('endedByItself'), nonEmpty: passed('nonEmpty'), fencesBalanced: passed('fencesBalanced') } };
}
