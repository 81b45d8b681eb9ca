/**
 * @file The table of `smolcode` subcommands. Adding a command is one file plus one row here.
 */
import type { CliCommand } from '../command';

export const commands: readonly CliCommand[] = [];
