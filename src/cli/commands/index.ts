/**
 * @file The table of `smolcode` subcommands. Adding a command is one file plus one row here.
 */
import type { CliCommand } from '../command';
import { chatCommand } from './chat';
import { datasetCommand } from './dataset';
import { evalCommand } from './eval';
import { exportGgufCommand } from './exportGguf';
import { exportTrainingCommand } from './exportTraining';
import { finetuneCommand } from './finetune';
import { generateCommand } from './generate';
import { importCommand } from './import';
import { makeModelCommand } from './makeModel';
import { mergeCommand } from './merge';

export const commands: readonly CliCommand[] = [makeModelCommand, importCommand, generateCommand, chatCommand, datasetCommand, finetuneCommand, exportTrainingCommand, mergeCommand, exportGgufCommand, evalCommand];
