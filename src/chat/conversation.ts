/**
 * @file The stored shape of a chat conversation and small pure helpers over it. A user turn
 * keeps the context blocks that were sent with it, so later prompts repeat exactly what the
 * model saw.
 */
import type { ContextChip, HistoryItem, TurnView } from '../shared/protocol';

/** One turn as stored in workspace state. */
export interface StoredTurn {
  readonly role: 'user' | 'assistant';
  /** The question as typed, or the reply as generated. */
  readonly content: string;
  readonly context: readonly ContextChip[];
  /** The context blocks sent with a user turn (same order as `context`). */
  readonly blocks: readonly string[];
  readonly finishReason?: string;
}

/** A conversation as stored in workspace state. */
export interface Conversation {
  readonly id: string;
  readonly title: string;
  readonly updatedAt: number;
  readonly turns: readonly StoredTurn[];
}

const TITLE_CHARS = 60;

/** A short title from the first question. */
export function titleFor(turns: readonly StoredTurn[]): string {
  const first = turns.find((turn) => turn.role === 'user')?.content.replace(/\s+/g, ' ').trim() ?? '';
  if (first === '') return 'New chat';
  return first.length > TITLE_CHARS ? `${first.slice(0, TITLE_CHARS - 1)}…` : first;
}

/** The turns as the panel shows them. */
export function turnViews(turns: readonly StoredTurn[]): TurnView[] {
  return turns.map((turn) => ({
    role: turn.role,
    content: turn.content,
    context: turn.context,
    ...(turn.finishReason !== undefined && { finishReason: turn.finishReason }),
  }));
}

/** The history list entry of a conversation. */
export function historyItem(conversation: Conversation): HistoryItem {
  return { id: conversation.id, title: conversation.title, updatedAt: conversation.updatedAt };
}
