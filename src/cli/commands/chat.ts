/**
 * @file `smolcode chat`: an interactive chat in the terminal with an Instruct model folder,
 * using the chat template from its tokenizer_config.json and the engine's cache across turns.
 */
import { createInterface } from 'node:readline/promises';
import { Engine } from '../../runtime/engine';
import type { ChatMessage } from '../../runtime/tokenizer';
import { intFlag, parseFlags } from '../args';
import type { CliCommand } from '../command';
import { ENGINE_FLAGS, ENGINE_USAGE, engineOptions } from '../engineFlags';
import { sigintSignal } from '../interrupt';

const USAGE = `Usage: smolcode chat --model DIR [options]

Chats with an Instruct model in the terminal. Type a message and press Enter; Ctrl+C stops a
reply; an empty line or Ctrl+D ends the chat.

Options:
${ENGINE_USAGE}
  --system TEXT    system prompt (default: the template's own)
  --max-tokens N   new tokens per reply at most (default 512)`;

export const chatCommand: CliCommand = {
  name: 'chat',
  summary: 'chat with an Instruct model in the terminal',
  usage: USAGE,
  async run(args) {
    const { values } = parseFlags(args, { ...ENGINE_FLAGS, system: { type: 'string' }, 'max-tokens': { type: 'string' } });
    const maxNewTokens = intFlag(values['max-tokens'], 'max-tokens', 512);
    const engine = await Engine.load(engineOptions(values));
    const messages: ChatMessage[] = values.system ? [{ role: 'system', content: values.system }] : [];
    const lines = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
    try {
      process.stdout.write('> ');
      // Iterating the lines (rather than question()) keeps lines that arrive while a reply streams.
      for await (const question of lines) {
        if (question.trim() === '') return 0;
        messages.push({ role: 'user', content: question });
        const interrupt = sigintSignal();
        let reply = '';
        try {
          const stream = engine.generate({ slot: 'chat', prompt: { messages }, maxNewTokens, sampling: { temperature: 0.2, topP: 0.9 } }, interrupt.signal);
          for (let step = await stream.next(); !step.done; step = await stream.next()) {
            reply += step.value;
            process.stdout.write(step.value);
          }
        } finally {
          interrupt.dispose();
        }
        messages.push({ role: 'assistant', content: reply });
        process.stdout.write('\n> ');
      }
      return 0;
    } finally {
      lines.close();
      await engine.dispose();
    }
  },
};
