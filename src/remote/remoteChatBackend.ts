/**
 * @file The chat's `ChatBackend` over a remote server's streamed `/v1/chat/completions`; the
 * server applies the model's chat template. Token counts are estimated (the server's tokenizer
 * is not ours, and the OpenAI API has no count endpoint), erring high so trimming happens before
 * the server would refuse the prompt.
 */
import { chatSampling, type ChatBackend } from '../chat/chatBackend';
import type { RemoteServer } from './remoteServer';

/**
 * Assumed window when the server does not say (vLLM lists `max_model_len`; llama.cpp's servers
 * do not): llama.cpp's own default context is smaller, so the README says to start it with at least this.
 */
export const DEFAULT_REMOTE_CONTEXT = 4096;

/** Characters per token, low for code (SmolLM2's tokenizer averages about 3.5 on English, 3 on code) so estimates run high. */
const CHARS_PER_TOKEN = 3;

/** A `ChatBackend` over `server()`; `temperature` is read per reply as the local backend does. */
export function remoteChatBackend(server: () => Promise<RemoteServer>, temperature: () => unknown): ChatBackend {
  return {
    async reply(messages, maxNewTokens, onText, signal) {
      const remote = await server();
      const model = await remote.model('chat', signal);
      const sampling = chatSampling(temperature());
      const result = await remote.client.chat(
        { model: model.id, messages: messages.map(({ role, content }) => ({ role, content })), maxTokens: maxNewTokens, temperature: sampling.temperature, topP: sampling.topP },
        onText,
        signal,
      );
      return { text: result.text, finishReason: result.finishReason === 'length' ? 'max-tokens' : 'eos' };
    },
    countTokens: async (texts) => texts.map((text) => Math.ceil(text.length / CHARS_PER_TOKEN) + 4),
    contextLength: async () => (await (await server()).model('chat', AbortSignal.timeout(60_000))).contextLength ?? DEFAULT_REMOTE_CONTEXT,
  };
}
