/**
 * @file What the chat needs from a model, as a narrow interface, and its implementation over
 * `ModelService`'s chat slot (so chat never evicts the completion cache).
 */
import type { FinishReason } from '../inference/engine';
import type { ModelService } from '../inference/modelService';
import type { ChatMessage } from '../inference/tokenizer';

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

/**
 * SmolLM2-Instruct's model card suggests low-temperature nucleus sampling for chat; a mild
 * repetition penalty keeps the small models from looping.
 */
const CHAT_SAMPLING = { temperature: 0.2, topP: 0.9, repetitionPenalty: 1.1 } as const;

/** A `ChatBackend` over the engine's `chat` slot. */
export function modelServiceBackend(models: Pick<ModelService, 'prepare' | 'generate' | 'countTokens'>): ChatBackend {
  return {
    async reply(messages, maxNewTokens, onText, signal) {
      const stats = await models.generate(
        'chat',
        { slot: 'chat', prompt: { messages }, maxNewTokens, sampling: CHAT_SAMPLING },
        onText,
        signal,
      );
      return { text: stats.text, finishReason: stats.finishReason };
    },
    countTokens: (texts) => models.countTokens('chat', texts),
    contextLength: async () => (await models.prepare('chat')).contextLength,
  };
}
