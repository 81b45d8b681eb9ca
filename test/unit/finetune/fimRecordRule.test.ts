import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fimOutcome, MIN_FIM_TRAIN_SAMPLES } from '../../../src/finetune/fimRecordRule';
import { fimRecord } from '../../../src/model/fim';

describe('when a run records fill-in-the-middle', () => {
  it('records FIM from the minimum of FIM training samples on', () => {
    assert.equal(MIN_FIM_TRAIN_SAMPLES, 16);
    assert.deepEqual(fimOutcome(0.5, 16), { record: fimRecord(0.5) });
    assert.deepEqual(fimOutcome(1, 400), { record: fimRecord(1) });
  });

  it('records nothing below it, saying how many samples there were and how many it takes', () => {
    const { record, notRecorded } = fimOutcome(0.5, 4);
    assert.equal(record, undefined);
    assert.deepEqual({ ...notRecorded, note: undefined }, { rate: 0.5, trainSamples: 4, minTrainSamples: 16, note: undefined });
    assert.equal(
      notRecorded?.note,
      'fill-in-the-middle is not recorded: the training set has 4 FIM training samples, fewer than the 16 an adapter needs before it writes middles, so completions with this adapter keep the repository template (more files or a higher FIM rate give more)',
    );
    assert.equal(fimOutcome(0.5, 0).notRecorded?.trainSamples, 0, 'a rate that gave no FIM sample at all is reported too');
  });

  it('says nothing when no FIM was asked for', () => {
    assert.deepEqual(fimOutcome(0, 0), {});
    assert.deepEqual(fimOutcome(0, 40), {});
  });

  it('takes another minimum', () => {
    assert.deepEqual(fimOutcome(0.25, 2, 2), { record: fimRecord(0.25) });
    assert.equal(fimOutcome(0.25, 2, 3).notRecorded?.minTrainSamples, 3);
  });
});
