/**
 * @file Past conversations, kept per workspace in a `Memento` (VS Code's workspaceState).
 * Stored data is checked on load: it may come from an older version or be damaged, and a bad
 * entry is skipped rather than breaking the panel.
 */
import { CONTEXT_KINDS, type ContextChip, type HistoryItem } from '../shared/protocol';
import { historyItem, type Conversation, type StoredTurn } from './conversation';

/** The part of `vscode.Memento` the store uses. */
export interface MementoLike {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): Thenable<void>;
}

/** The workspaceState key holding the conversations. */
export const HISTORY_KEY = 'smolcode.chat.conversations';

/** Older conversations beyond this many are forgotten, so workspace state stays small. */
export const MAX_CONVERSATIONS = 50;

function isChip(value: unknown): value is ContextChip {
  const chip = value as ContextChip;
  return typeof chip === 'object' && chip !== null && typeof chip.id === 'string' && (CONTEXT_KINDS as readonly string[]).includes(chip.kind) &&
    typeof chip.label === 'string' && typeof chip.detail === 'string';
}

function isTurn(value: unknown): value is StoredTurn {
  const turn = value as StoredTurn;
  return typeof turn === 'object' && turn !== null && (turn.role === 'user' || turn.role === 'assistant') &&
    typeof turn.content === 'string' && Array.isArray(turn.context) && turn.context.every(isChip) &&
    Array.isArray(turn.blocks) && turn.blocks.every((b) => typeof b === 'string') &&
    (turn.finishReason === undefined || typeof turn.finishReason === 'string');
}

function isConversation(value: unknown): value is Conversation {
  const c = value as Conversation;
  return typeof c === 'object' && c !== null && typeof c.id === 'string' && /^[\w-]{1,64}$/.test(c.id) &&
    typeof c.title === 'string' && typeof c.updatedAt === 'number' && Array.isArray(c.turns) && c.turns.every(isTurn);
}

export class ConversationStore {
  constructor(private readonly memento: MementoLike) {}

  /** Every valid stored conversation, newest first. */
  all(): Conversation[] {
    const stored = this.memento.get<unknown>(HISTORY_KEY);
    if (!Array.isArray(stored)) return [];
    return stored.filter(isConversation).sort((a, b) => b.updatedAt - a.updatedAt);
  }

  list(): HistoryItem[] {
    return this.all().map(historyItem);
  }

  get(id: string): Conversation | undefined {
    return this.all().find((c) => c.id === id);
  }

  /** Adds or replaces a conversation; the oldest beyond `MAX_CONVERSATIONS` are dropped. */
  async save(conversation: Conversation): Promise<void> {
    const rest = this.all().filter((c) => c.id !== conversation.id);
    await this.memento.update(HISTORY_KEY, [conversation, ...rest].slice(0, MAX_CONVERSATIONS));
  }

  async delete(id: string): Promise<void> {
    await this.memento.update(HISTORY_KEY, this.all().filter((c) => c.id !== id));
  }
}
