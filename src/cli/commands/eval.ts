/**
 * @file `smolcode eval`: measurements of a model, one subcommand each. Adding one is a file
 * (`evalBpb.ts` is the pattern) plus a row in the table below; `smolcode eval --help` shows
 * every measurement's usage.
 */
import { UsageError, type CliCommand } from '../command';
import { evalBpbCommand } from './evalBpb';
import { evalChatCommand } from './evalChat';
import { evalCompletionCommand } from './evalCompletion';

/** The subcommands of `smolcode eval`. */
const SUBCOMMANDS: readonly CliCommand[] = [evalCompletionCommand, evalChatCommand, evalBpbCommand];

/** Other names a measurement answers to: `perplexity` is how issue #17 and perplexity-minded users ask for bits per byte. */
const ALIASES: Readonly<Record<string, string>> = { perplexity: 'bpb' };

const NAMES = SUBCOMMANDS.map((c) => c.name).join(', ');

const USAGE = `Usage: smolcode eval <measurement> [options]

Measurements:
${SUBCOMMANDS.map((c) => `  ${c.name.padEnd(12)}${c.summary}`).join('\n')}
  (${Object.entries(ALIASES).map(([alias, name]) => `${alias} is ${name}`).join('; ')})

${SUBCOMMANDS.map((c) => c.usage).join('\n\n')}`;

export const evalCommand: CliCommand = {
  name: 'eval',
  summary: `measure a model (${NAMES})`,
  usage: USAGE,
  run(args) {
    const [name, ...rest] = args;
    const sub = SUBCOMMANDS.find((c) => c.name === (name !== undefined ? (ALIASES[name] ?? name) : name));
    if (!sub) throw new UsageError(name === undefined ? `name a measurement: ${NAMES}` : `unknown measurement "${name}"; known: ${NAMES}`);
    return sub.run(rest);
  },
};
