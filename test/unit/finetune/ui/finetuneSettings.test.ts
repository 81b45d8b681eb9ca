import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adapterFolderName, editorTrainingThreads, finetuneOptionsFrom } from '../../../../src/finetune/ui/finetuneSettings';
import { parseLoraTargets } from '../../../../src/model/lora';

const values = { steps: 0, rank: 8, alpha: 0, dropout: 0, learningRate: 2e-4, seqLen: 512, targets: ['v_proj', 'q_proj'], device: 'cpu', threads: 0 } as const;
const paths = { modelDir: '/m', outDir: '/o' };

describe('fine-tuning options from the settings', () => {
  it('leaves steps and alpha at 0 to the plan, and orders the targets as the model does', () => {
    const options = finetuneOptionsFrom(values, paths);
    assert.equal(options.steps, undefined);
    assert.equal(options.alpha, undefined);
    assert.equal(options.dropout, undefined);
    assert.equal(finetuneOptionsFrom({ ...values, dropout: 1.5 }, paths).dropout, undefined, 'a hand-edited value out of range trains without dropout');
    assert.deepEqual(options.targets, ['q_proj', 'v_proj']);
    assert.equal(options.lr, 2e-4);
    assert.deepEqual(finetuneOptionsFrom({ ...values, steps: 3, alpha: 32, dropout: 0.05 }, paths), {
      ...paths,
      steps: 3,
      rank: 8,
      alpha: 32,
      dropout: 0.05,
      lr: 2e-4,
      seqLen: 512,
      targets: ['q_proj', 'v_proj'],
      device: 'cpu',
      threads: 0,
    });
  });

  it('rejects unknown or no targets, naming them and the allowed set', () => {
    assert.throws(() => finetuneOptionsFrom({ ...values, targets: ['q_proj', 'qkv'] }, paths), {
      message: 'smolcode.finetune.targets must list some of q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj; got ["q_proj","qkv"]',
    });
    assert.throws(() => parseLoraTargets([], '--targets'), { message: /^--targets must list some of q_proj/ });
  });

  it('trains from the editor on one core fewer than the machine has, unless the user set the threads', () => {
    assert.deepEqual([2, 8, 1].map((cores) => editorTrainingThreads(0, cores)), [1, 7, 1]);
    assert.equal(editorTrainingThreads(3, 8), 3);
  });

  it('names adapter folders after the workspace, role and local time', () => {
    assert.equal(adapterFolderName('my project/x', 'chat', new Date(2025, 0, 2, 3, 4, 5)), 'my_project_x-chat-20250102-030405');
    assert.equal(adapterFolderName('..', 'completion', new Date(2025, 11, 31, 23, 59, 59)), 'workspace-completion-20251231-235959');
  });
});
