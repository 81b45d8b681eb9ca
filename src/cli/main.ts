/**
 * @file Entry point of the `smolcode` command-line tool: dispatches to the subcommand table and
 * turns errors into exit codes and plain messages.
 */
import { disableTelemetry } from '../runtime/telemetry';
import { UsageError, type CliCommand } from './command';
import { commands } from './commands/index';
import { smolcodeVersion } from '../env';

disableTelemetry();

const VERSION = smolcodeVersion();

function helpText(table: readonly CliCommand[]): string {
  const width = Math.max(0, ...table.map((c) => c.name.length));
  const rows = table.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'smolcode: local SmolLM2 code assistant tools (models, generation, datasets, fine-tuning)',
    '',
    'Usage: smolcode <command> [options]',
    '       smolcode <command> --help',
    '',
    'Commands:',
    ...(rows.length > 0 ? rows : ['  (none yet)']),
    '',
    'Options:',
    '  -h, --help     show this help',
    '  -v, --version  print the version',
  ].join('\n');
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function main(argv: readonly string[], table: readonly CliCommand[] = commands): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    console.log(helpText(table));
    return 0;
  }
  if (name === '-v' || name === '--version') {
    console.log(VERSION);
    return 0;
  }
  const command = table.find((c) => c.name === name);
  if (!command) {
    console.error(`smolcode: unknown command "${name}". Known commands: ${table.map((c) => c.name).join(', ') || 'none'}.`);
    console.error('Run "smolcode --help" for usage.');
    return 2;
  }
  if (rest.includes('-h') || rest.includes('--help')) {
    console.log(command.usage);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`smolcode ${command.name}: ${error.message}`);
      console.error(`Run "smolcode ${command.name} --help" for usage.`);
      return 2;
    }
    console.error(`smolcode ${command.name}: ${(error as Error).message}`);
    return 1;
  }
}
