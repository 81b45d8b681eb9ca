/** @file Chat states and turns as the host sends them to the webview, for the panel's tests. */
import type { ChatState, TurnView } from '../../src/shared/protocol';

/** A turn without context chips. */
export function turn(role: TurnView['role'], content: string, finishReason?: string): TurnView {
  return { role, content, context: [], ...(finishReason && { finishReason }) };
}

/** A state showing `turns`, with one model and nothing else; `fields` override the rest. */
export function chatState(turns: readonly TurnView[], fields: Partial<ChatState> = {}): ChatState {
  return { conversationId: 'c1', turns, streaming: false, chips: [], history: [], models: ['SmolLM2-135M'], currentModel: 'SmolLM2-135M', ...fields };
}
