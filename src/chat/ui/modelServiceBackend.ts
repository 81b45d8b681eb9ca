/**
 * @file The chat's `ChatBackend` over `ModelService`'s chat slot (so chat never evicts the
 * completion cache).
 */
import type { ModelService } from '../../host/modelService';
import { chatSampling, type ChatBackend } from '../chatBackend';

/** A `ChatBackend` over the engine's `chat` slot; `temperature` is read for each reply, so a changed setting applies to the next one. */
export function modelServiceBackend(models: Pick<ModelService, 'prepare' | 'generate' | 'countTokens'>, temperature: () => unknown): ChatBackend {
  return {
    async reply(messages, maxNewTokens, onText, signal) {
      const stats = await models.generate(
        'chat',
        { slot: 'chat', prompt: { messages }, maxNewTokens, sampling: chatSampling(temperature()) },
        onText,
        signal,
      );
      return { text: stats.text, finishReason: stats.finishReason };
    },
    countTokens: (texts) => models.countTokens('chat', texts),
    contextLength: async () => (await models.prepare('chat')).contextLength,
  };
}
