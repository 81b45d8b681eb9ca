/**
 * @file Which execution providers a device setting tries, per platform, and which fused graph
 * (attention kind) goes with the first of them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fusedAttentionFor, providerCandidates } from '../../../src/runtime/providers';

const tried = (device: Parameters<typeof providerCandidates>[0], platform: NodeJS.Platform, cuda: boolean) =>
  providerCandidates(device, platform, cuda).map((c) => ('provider' in c ? c.provider : `-${c.skipped}`));

describe('execution providers', () => {
  it('tries the platform accelerators in auto, skipping CUDA when not installed and WebGPU on Linux', () => {
    assert.deepEqual(tried('auto', 'linux', false), ['-cuda', '-webgpu', 'cpu']);
    assert.deepEqual(tried('auto', 'linux', true), ['cuda', '-webgpu', 'cpu']);
    assert.deepEqual(tried('auto', 'win32', false), ['dml', 'webgpu', 'cpu']);
    assert.deepEqual(tried('auto', 'darwin', false), ['coreml', 'webgpu', 'cpu']);
  });

  it('tries a named device first, then the CPU; cpu alone is only the CPU', () => {
    assert.deepEqual(tried('webgpu', 'linux', false), ['webgpu', 'cpu']);
    assert.deepEqual(tried('cpu', 'win32', true), ['cpu']);
  });

  it('runs matmul attention where the CPU comes first, GQA (GPU-resident cache) where a GPU does', () => {
    assert.equal(fusedAttentionFor('cpu', 'win32', false), 'matmul');
    assert.equal(fusedAttentionFor('auto', 'linux', false), 'matmul');
    assert.equal(fusedAttentionFor('auto', 'linux', true), 'gqa');
    assert.equal(fusedAttentionFor('auto', 'darwin', false), 'gqa');
    assert.equal(fusedAttentionFor('webgpu', 'linux', false), 'gqa');
  });
});
