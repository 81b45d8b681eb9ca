/**
 * @file The chat's `ChatBackend` over `ModelService`'s chat slot (so chat never evicts the
 * completion cache).
 */
import type { ModelService } from '../../host/modelService';
import { CHAT_SAMPLING, type ChatBackend } from '../chatBackend';

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
