import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { perplexityOutliers } from '../../../../src/finetune/dataset/perplexity';

describe('perplexity outliers', () => {
  it('flags only files far above the others', () => {
    assert.deepEqual([...perplexityOutliers([4, 5, 4.5, 6, 5.5, 400, 5])], [5]);
    assert.deepEqual([...perplexityOutliers([4, 5, 4.5, 6, 5.5, 0.5, 5])], []);
  });

  it('needs at least three files', () => assert.equal(perplexityOutliers([1, 1000]).size, 0));
});
