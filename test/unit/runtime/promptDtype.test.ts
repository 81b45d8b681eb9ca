/**
 * @file Which dtype prompt chunks run in for each `smolcode.promptDtype` (runtime/promptDtype.ts):
 * `auto` picks int8 for a q4 model as small as SmolLM2-135M on the CPU and nothing else.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { layerWeightCount, SHAPES } from '../../../src/model/shapes';
import { AUTO_INT8_MAX_LAYER_WEIGHTS, promptDtypeOption, resolvePromptDtype } from '../../../src/runtime/promptDtype';

describe('prompt dtype', () => {
  const here = { cpuFirst: true, int8Exact: true };
  const gpuFirst = { cpuFirst: false, int8Exact: true };
  it('counts the projections of the decoder layers', () => {
    // 30 layers of q 576², k and v 576·192, o 576², gate, up and down 576·1536.
    assert.equal(layerWeightCount(SHAPES['135M']), 30 * (2 * 576 * 576 + 2 * 576 * 192 + 3 * 576 * 1536));
    assert.equal(layerWeightCount(SHAPES['135M']), 106_168_320);
    assert.equal(layerWeightCount(SHAPES['360M']), 314_572_800);
  });

  it('runs auto in int8 for q4 at 135M on the CPU only, where int8 products do not clip', () => {
    assert.equal(resolvePromptDtype('auto', 'q4', SHAPES['135M'], { cpuFirst: true, int8Exact: false }), undefined);
    assert.equal(resolvePromptDtype('auto', 'q4', SHAPES['135M'], here), 'int8');
    assert.equal(resolvePromptDtype('auto', 'q4', SHAPES['135M'], gpuFirst), undefined);
    assert.equal(resolvePromptDtype('auto', 'fp32', SHAPES['135M'], here), undefined);
    assert.equal(resolvePromptDtype('auto', 'int8', SHAPES['135M'], here), undefined);
    assert.equal(resolvePromptDtype('auto', 'q4', SHAPES['360M'], here), undefined);
    assert.equal(resolvePromptDtype('auto', 'q4', SHAPES['1.7B'], here), undefined);
    assert.ok(layerWeightCount(SHAPES['135M']) <= AUTO_INT8_MAX_LAYER_WEIGHTS && AUTO_INT8_MAX_LAYER_WEIGHTS < layerWeightCount(SHAPES['360M']));
  });

  it('keeps same and int8 as set', () => {
    assert.equal(resolvePromptDtype('same', 'q4', SHAPES['135M'], here), undefined);
    assert.equal(resolvePromptDtype('int8', 'q4', SHAPES['1.7B'], gpuFirst), 'int8');
    assert.deepEqual(promptDtypeOption('same'), {});
    assert.deepEqual(promptDtypeOption('auto'), { promptDtype: 'auto' });
    assert.deepEqual(promptDtypeOption('int8'), { promptDtype: 'int8' });
  });
});
