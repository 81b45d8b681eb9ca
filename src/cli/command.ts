/**
 * @file The shape of one `smolcode` subcommand. Each subcommand lives in its own file under
 * `commands/` and is listed once in `commands/index.ts`.
 */

export interface CliCommand {
  /** The word typed after `smolcode`. */
  readonly name: string;
  /** One line for `smolcode --help`. */
  readonly summary: string;
  /** Full usage text for `smolcode NAME --help`. */
  readonly usage: string;
  /** Runs the command; resolves to the process exit code. */
  run(args: readonly string[]): Promise<number>;
}

/** An error whose message is shown to the user as is, without a stack trace. */
export class UsageError extends Error {}
