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

/** The highest temperature `smolcode.chat.temperature` allows; above it the small models babble. */
export const MAX_CHAT_TEMPERATURE = 2;

/**
 * The chat's sampling with the user's temperature: 0 is greedy (the same question gives the same
 * answer). settings.json is hand-edited, so a value that is not a number falls back to the
 * default and one out of range is clamped rather than failing every reply.
 */
export function chatSampling(temperature: unknown): { temperature: number; topP: number; repetitionPenalty: number } {
  const t = typeof temperature === 'number' && Number.isFinite(temperature) ? Math.min(Math.max(temperature, 0), MAX_CHAT_TEMPERATURE) : CHAT_SAMPLING.temperature;
  return { ...CHAT_SAMPLING, temperature: t };
}

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
