/**
 * @file A `ChatBackend` over an `Engine` in this process, for the CLI's chat benchmark and tests;
 * the extension's goes through the worker (ui/modelServiceBackend.ts). Same slot, same sampling.
 */
import type { Engine } from '../runtime/engine';
import type { ChatMessage } from '../runtime/tokenizer';
import { CHAT_SAMPLING, type ChatBackend } from './chatBackend';

/** `ChatBackend` over `engine`, plus the prompt as the engine renders it; `seed` makes the sampled replies repeatable. */
export function engineChatBackend(engine: Engine, seed?: number): ChatBackend & { render(messages: readonly ChatMessage[]): string } {
  return {
    render: (messages) => engine.tokenizer.chatPrompt(messages),
    async reply(messages, maxNewTokens, onText, signal) {
      const stream = engine.generate({ slot: 'chat', prompt: { messages }, maxNewTokens, sampling: { ...CHAT_SAMPLING, seed } }, signal);
      for (;;) {
        const step = await stream.next();
        if (step.done) return { text: step.value.text, finishReason: step.value.finishReason };
        onText(step.value);
      }
    },
    countTokens: async (texts) => texts.map((text) => engine.tokenizer.encode(text).length),
    contextLength: async () => engine.contextLength,
  };
}
