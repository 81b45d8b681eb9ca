/**
 * @file `smolcode generate`: continues a prompt with a model folder, streaming to stdout.
 */
import { Engine } from '../../runtime/engine';
import { intFlag, parseFlags } from '../args';
import { UsageError, type CliCommand } from '../command';
import { ENGINE_FLAGS, ENGINE_USAGE, engineOptions } from '../engineFlags';
import { sigintSignal } from '../interrupt';
import { nativeSummary } from '../../runtime/nativeSummary';

const USAGE = `Usage: smolcode generate --model DIR --prompt TEXT [options]

Continues TEXT with the model and streams the result to stdout.

Options:
${ENGINE_USAGE}
  --prompt TEXT    the text to continue (required)
  --max-tokens N   new tokens at most (default 128)
  --greedy         pick the most likely token each step (default: temperature 0.7, top-p 0.9)
  --seed N         sampling seed (default 0)
  --json           print one JSON object with the text and timing instead of streaming`;

export const generateCommand: CliCommand = {
  name: 'generate',
  summary: 'continue a prompt with a model, streaming to the terminal',
  usage: USAGE,
  async run(args) {
    const { values } = parseFlags(args, {
      ...ENGINE_FLAGS,
      prompt: { type: 'string' },
      'max-tokens': { type: 'string' },
      greedy: { type: 'boolean' },
      seed: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (values.prompt === undefined) throw new UsageError('--prompt TEXT is required');
    const options = engineOptions(values);
    const engine = await Engine.load(options);
    const interrupt = sigintSignal();
    try {
      const stream = engine.generate(
        {
          slot: 'cli',
          prompt: values.prompt,
          maxNewTokens: intFlag(values['max-tokens'], 'max-tokens', 128),
          sampling: values.greedy ? {} : { temperature: 0.7, topP: 0.9, seed: intFlag(values.seed, 'seed', 0) },
        },
        interrupt.signal,
      );
      for (;;) {
        const step = await stream.next();
        if (step.done) {
          const stats = step.value;
          if (values.json) {
            const graph = { graph: engine.graph.file, nativeDecode: engine.graph.nativeDecode ?? null, note: engine.graph.note ?? null };
            console.log(JSON.stringify({ ...stats, provider: engine.provider.name, dtype: options.dtype, ...graph }));
          } else {
            process.stdout.write('\n');
            const speed = stats.tokens.length / (stats.totalMs / 1000);
            const native = nativeSummary(engine.graph);
            console.error(`[${stats.tokens.length} tokens, ${speed.toFixed(1)} tokens/s, ${engine.provider.name}, ${options.dtype}${native}, ${stats.finishReason}]`);
          }
          return 0;
        }
        if (!values.json) process.stdout.write(step.value);
      }
    } finally {
      interrupt.dispose();
      await engine.dispose();
    }
  },
};
