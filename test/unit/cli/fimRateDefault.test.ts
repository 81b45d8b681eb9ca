/**
 * @file Every CLI entry point that builds a training set documents the one FIM default
 * (DEFAULT_FIM_RATE); the sources read the constant, so the usage text shows the value they use.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { datasetCommand } from '../../../src/cli/commands/dataset';
import { exportTrainingCommand } from '../../../src/cli/commands/exportTraining';
import { finetuneCommand } from '../../../src/cli/commands/finetune';
import { DEFAULT_FIM_RATE } from '../../../src/finetune/dataset/samples/fimSamples';

describe('the --fim-rate default', () => {
  it('is DEFAULT_FIM_RATE in dataset, finetune and export-training', () => {
    for (const command of [datasetCommand, finetuneCommand, exportTrainingCommand]) {
      const option = command.usage.slice(command.usage.indexOf('--fim-rate F'));
      assert.match(option.slice(0, 200).replace(/\s+/g, ' '), new RegExp(`\\(default ${DEFAULT_FIM_RATE}[,;]`), command.name);
    }
  });
});
