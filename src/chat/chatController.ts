/**
 * @file The chat's behaviour, free of VS Code: sending a question with its context, streaming
 * the reply to the panel, stop, regenerate, new chat, and the per-workspace history. The view
 * provider feeds it validated webview messages and gives it a `post` function.
 */
import { parseMentions, type MentionKind } from '../shared/mentions';
import type { ChatState, ContextChip, ToWebview, TrimNotice } from '../shared/protocol';
import type { ChatBackend } from './chatBackend';
import type { ContextItem } from './contextAssembly';
import { titleFor, turnViews, type StoredTurn } from './conversation';
import type { ConversationStore } from './conversationStore';
import { buildPrompt, SYSTEM_PROMPT } from './promptBuilder';

/** Where context chips come from (the editor, in the extension). */
export interface ContextSource {
  /** The chips to show now. */
  chips(): readonly ContextChip[];
  /** The chips' content, read now; file before selection (the order they may be dropped in). */
  read(): Promise<ContextItem[]>;
  remove(id: string): void;
}

/** Mentions waiting for the next question (see mentionList.ts). */
export interface MentionSource {
  chips(): readonly ContextChip[];
  /** Adds a mention (`@file` asks for the file first); false when nothing was added. */
  add(kind: MentionKind): Promise<boolean>;
  /** Removes a mention chip; false when `id` is not a mention's. */
  remove(id: string): boolean;
  /** Resolves the waiting mentions into context and clears them. */
  take(): Promise<ContextItem[]>;
}

/** The chat model setting. */
export interface ModelChoice {
  /** What the menu offers now (a local model, when one is set, besides the catalog's). */
  options(): readonly string[];
  current(): string;
  select(model: string): Promise<void>;
}

export interface ChatLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface ChatControllerDeps {
  readonly backend: ChatBackend;
  readonly store: ConversationStore;
  readonly context: ContextSource;
  /** `@` mentions; without it, mentions typed in a question stay plain text. */
  readonly mentions?: MentionSource;
  readonly models: ModelChoice;
  readonly log: ChatLog;
  readonly post: (message: ToWebview) => void;
  readonly newId: () => string;
  readonly now: () => number;
}

/** Longest reply; a quarter of the window when that is smaller, so the prompt keeps room. */
export const MAX_REPLY_TOKENS = 1024;

/** Tokens kept for a reply in a window of `windowTokens`: a quarter, at most `MAX_REPLY_TOKENS`. */
export function replyTokenBudget(windowTokens: number): number {
  return Math.min(MAX_REPLY_TOKENS, Math.floor(windowTokens / 4));
}

/**
 * The items without repeated blocks, keeping the last copy: `@selection` of the selection the
 * editor chip already carries is sent once, in the mention's (later, kept longer) place.
 */
export function withoutRepeats(items: readonly ContextItem[]): ContextItem[] {
  return items.filter((item, i) => !items.slice(i + 1).some((later) => later.block === item.block));
}

/**
 * One context item for the log: its chip and the start of its block, so the log shows what the
 * model was given (the e2e tests read it) without copying whole files into it.
 */
export function describeItem(item: ContextItem): string {
  const head = item.block.length > 400 ? `${item.block.slice(0, 400)}…` : item.block;
  return `[${item.chip.kind}: ${item.chip.label} (${item.chip.detail})] ${JSON.stringify(head)}`;
}

interface OpenConversation {
  id: string;
  turns: StoredTurn[];
}

export class ChatController {
  private conversation: OpenConversation;
  private abort: AbortController | undefined;
  private running: Promise<void> | undefined;
  private trim: TrimNotice | undefined;
  private error: string | undefined;
  private status: string | undefined;

  constructor(private readonly deps: ChatControllerDeps) {
    this.conversation = { id: deps.newId(), turns: [] };
  }

  /** Sends the whole panel state. */
  postState(): void {
    const state: ChatState = {
      conversationId: this.conversation.id,
      turns: turnViews(this.conversation.turns),
      streaming: this.running !== undefined,
      chips: [...this.deps.context.chips(), ...(this.deps.mentions?.chips() ?? [])],
      history: this.deps.store.list(),
      models: this.deps.models.options(),
      currentModel: this.deps.models.current(),
      ...(this.trim && { trim: this.trim }),
      ...(this.error !== undefined && { error: this.error }),
      ...(this.status !== undefined && { status: this.status }),
    };
    this.deps.post({ type: 'state', state });
  }

  /**
   * Asks `text` with the current context chips; a reply in progress is stopped first. Mentions
   * typed in full (`@problems`) join the chosen ones and leave the question's text.
   */
  async send(text: string): Promise<void> {
    await this.stop();
    const mentions = this.deps.mentions;
    const parsed = mentions ? parseMentions(text) : { question: text, mentions: [] };
    for (const kind of parsed.mentions) await mentions?.add(kind);
    // Mentions come last: they were asked for, so the trimming (first blocks first) keeps them longest.
    const items = withoutRepeats([...(await this.deps.context.read()), ...((await mentions?.take()) ?? [])]);
    if (items.length > 0) this.deps.log.info(`chat: question sent with context ${items.map(describeItem).join('; ')}`);
    this.conversation.turns.push({
      role: 'user',
      content: parsed.question,
      context: items.map((item) => item.chip),
      blocks: items.map((item) => item.block),
    });
    await this.startReply();
  }

  /** Adds a mention chosen in the panel's `@` suggestions. */
  async addMention(kind: MentionKind): Promise<void> {
    if (!this.deps.mentions) return;
    await this.deps.mentions.add(kind);
    this.postState();
  }

  /** Replaces the last reply with a new one. */
  async regenerate(): Promise<void> {
    await this.stop();
    const turns = this.conversation.turns;
    if (turns[turns.length - 1]?.role === 'assistant') turns.pop();
    if (turns[turns.length - 1]?.role !== 'user') return;
    await this.startReply();
  }

  /** Stops the reply in progress (keeping what was generated) and waits for it to end. */
  async stop(): Promise<void> {
    this.abort?.abort();
    await this.running;
  }

  async newChat(): Promise<void> {
    await this.stop();
    this.conversation = { id: this.deps.newId(), turns: [] };
    this.clearNotes();
    this.postState();
  }

  async open(id: string): Promise<void> {
    const stored = this.deps.store.get(id);
    if (!stored) return this.postState();
    await this.stop();
    this.conversation = { id: stored.id, turns: [...stored.turns] };
    this.clearNotes();
    this.postState();
  }

  async delete(id: string): Promise<void> {
    if (id === this.conversation.id) await this.stop();
    await this.deps.store.delete(id);
    if (id === this.conversation.id) this.conversation = { id: this.deps.newId(), turns: [] };
    this.postState();
  }

  removeContext(id: string): void {
    if (!this.deps.mentions?.remove(id)) this.deps.context.remove(id);
    this.postState();
  }

  async selectModel(model: string): Promise<void> {
    const options = this.deps.models.options();
    if (!options.includes(model)) {
      this.deps.log.warn(`chat: ignored unknown model "${model}"; expected one of ${options.join(', ')}`);
      return;
    }
    await this.deps.models.select(model);
    this.postState();
  }

  /** Resolves once no reply is in progress. */
  async idle(): Promise<void> {
    await this.running;
  }

  private clearNotes(): void {
    this.trim = undefined;
    this.error = undefined;
    this.status = undefined;
  }

  private startReply(): Promise<void> {
    const abort = new AbortController();
    this.abort = abort;
    this.clearNotes();
    const running = this.reply(abort.signal).finally(() => {
      if (this.running === running) {
        this.running = undefined;
        this.abort = undefined;
      }
      this.postState();
    });
    this.running = running;
    return running;
  }

  private async reply(signal: AbortSignal): Promise<void> {
    const conversation = this.conversation;
    this.status = 'Loading the chat model…';
    this.postState();
    try {
      const windowTokens = await this.deps.backend.contextLength();
      if (signal.aborted) return;
      const replyTokens = replyTokenBudget(windowTokens);
      const prompt = await buildPrompt({
        system: SYSTEM_PROMPT,
        turns: conversation.turns,
        windowTokens,
        replyTokens,
        countTokens: (texts) => this.deps.backend.countTokens(texts),
      });
      if (signal.aborted) return;
      this.trim = prompt.notice.droppedTurns > 0 || prompt.notice.droppedContext.length > 0 ? prompt.notice : undefined;
      if (!prompt.fits) {
        this.error = `The question is too long for the model: ${prompt.notice.promptTokens} tokens, and the window holds ${windowTokens - replyTokens} plus the reply. Shorten it or remove context.`;
        return;
      }
      const index = conversation.turns.push({ role: 'assistant', content: '', context: [], blocks: [] }) - 1;
      this.status = undefined;
      this.postState();
      let text = '';
      let finishReason: string;
      try {
        const result = await this.deps.backend.reply(prompt.messages, replyTokens, (delta) => {
          text += delta;
          conversation.turns[index] = { ...conversation.turns[index], content: text };
          if (conversation === this.conversation) this.deps.post({ type: 'delta', text: delta });
        }, signal);
        finishReason = result.finishReason;
      } catch (error) {
        if (!signal.aborted) throw error;
        finishReason = 'cancelled';
      }
      conversation.turns[index] = { role: 'assistant', content: text, context: [], blocks: [], finishReason };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.deps.log.error(`chat: reply failed: ${message}`);
      this.error = `The model could not reply: ${message}`;
    } finally {
      this.status = undefined;
      await this.save(conversation);
    }
  }

  private async save(conversation: OpenConversation): Promise<void> {
    if (conversation.turns.length === 0) return;
    try {
      await this.deps.store.save({ id: conversation.id, title: titleFor(conversation.turns), updatedAt: this.deps.now(), turns: [...conversation.turns] });
    } catch (error) {
      this.deps.log.warn(`chat: could not save the conversation: ${(error as Error).message}`);
    }
  }
}
