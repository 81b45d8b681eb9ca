/**
 * @file The table of `smolcode` subcommands. Adding a command is one file plus one row here.
 */
import type { CliCommand } from '../command';
import { chatCommand } from './chat';
import { generateCommand } from './generate';
import { makeModelCommand } from './makeModel';

export const commands: readonly CliCommand[] = [makeModelCommand, generateCommand, chatCommand];
