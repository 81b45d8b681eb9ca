/**
 * @file What the chat needs from a model, as a narrow interface: the controller depends on this,
 * and `ui/modelServiceBackend.ts` implements it over the worker.
 */
import type { FinishReason } from '../runtime/engine';
import type { ChatMessage } from '../runtime/tokenizer';

/**
 * SmolLM2-Instruct's model card suggests low-temperature nucleus sampling for chat; a mild
 * repetition penalty keeps the small models from looping.
 */
export const CHAT_SAMPLING = { temperature: 0.2, topP: 0.9, repetitionPenalty: 1.1 } as const;

/** How a reply ended, and its text. */
export interface ChatReply {
  readonly text: string;
  readonly finishReason: FinishReason;
}

/** The model operations the chat panel uses. */
export interface ChatBackend {
  /** Streams a reply to `messages` (the template is applied by the engine) through `onText`. */
  reply(messages: readonly ChatMessage[], maxNewTokens: number, onText: (text: string) => void, signal: AbortSignal): Promise<ChatReply>;
  countTokens(texts: readonly string[]): Promise<number[]>;
  /** The chat model's window in tokens (loads the model if needed). */
  contextLength(): Promise<number>;
}
