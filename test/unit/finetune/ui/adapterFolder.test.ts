import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { describeAdapter, listAdapters, mergeVariantFor, planAdapterLoad, TRAINING_LOG_FILE } from '../../../../src/finetune/ui/adapterFolder';
import { RUN_FILE } from '../../../../src/finetune/runReport';
import { MERGE_FORMAT, MERGE_RECORD_FILE } from '../../../../src/finetune/mergeRecord';

const root = mkdtempSync(join(tmpdir(), 'smolcode-adapters-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A folder under the temp root holding `files` (path to content, '' by default). */
function folder(name: string, files: readonly string[] | Record<string, string>): string {
  const dir = join(root, name);
  const entries = Array.isArray(files) ? files.map((f) => [f, '']) : Object.entries(files);
  for (const [file, content] of entries) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), content);
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}

const PEFT = ['adapter_config.json', 'adapter_model.safetensors'];

describe('loading an adapter folder', () => {
  it('loads the merged model of the dtype when the folder has it', () => {
    const dir = folder('merged', { ...Object.fromEntries([...PEFT, 'config.json', 'onnx/model.onnx', 'onnx/model_q4.onnx'].map((f) => [f, ''])), [MERGE_RECORD_FILE]: JSON.stringify({ format: MERGE_FORMAT, variants: ['fp32', 'q4'] }) });
    assert.deepEqual(planAdapterLoad(dir, 'q4'), { action: 'load', dtype: 'q4' });
    assert.deepEqual(planAdapterLoad(dir, 'fp32'), { action: 'load', dtype: 'fp32' });
  });

  it('merges quantized graphs of an older merge again (they rounded the update away), unless it has no PEFT files to merge', () => {
    const files = [...PEFT, 'config.json', 'onnx/model.onnx', 'onnx/model_q4.onnx', 'onnx/model_int8.onnx'];
    const old = folder('merged-before-format-2', files);
    assert.deepEqual(planAdapterLoad(old, 'q4'), { action: 'merge', variant: 'q4' });
    assert.deepEqual(planAdapterLoad(old, 'int8'), { action: 'merge', variant: 'int8' });
    assert.deepEqual(planAdapterLoad(old, 'fp32'), { action: 'load', dtype: 'fp32' });
    const partly = folder('merged-q4-only', { ...Object.fromEntries(files.map((f) => [f, ''])), [MERGE_RECORD_FILE]: JSON.stringify({ format: MERGE_FORMAT, variants: ['q4'] }) });
    assert.deepEqual(planAdapterLoad(partly, 'q4'), { action: 'load', dtype: 'q4' });
    assert.deepEqual(planAdapterLoad(partly, 'int8'), { action: 'merge', variant: 'int8' });
    const olderFormat = folder('merged-format-1', { ...Object.fromEntries(files.map((f) => [f, ''])), [MERGE_RECORD_FILE]: JSON.stringify({ format: 1, variants: ['q4'] }) });
    assert.deepEqual(planAdapterLoad(olderFormat, 'q4'), { action: 'merge', variant: 'q4' });
    const shipped = folder('merged-elsewhere', ['config.json', 'onnx/model_q4.onnx']);
    assert.deepEqual(planAdapterLoad(shipped, 'q4'), { action: 'load', dtype: 'q4' });
  });

  it('merges a PEFT adapter first, in the dtype or in fp32 where merging cannot write the dtype', () => {
    const dir = folder('peft', PEFT);
    assert.deepEqual(planAdapterLoad(dir, 'int8'), { action: 'merge', variant: 'int8' });
    assert.deepEqual(planAdapterLoad(dir, 'q4f16'), { action: 'merge', variant: 'fp32' });
    const merged = folder('peft-fp32', [...PEFT, 'config.json', 'onnx/model.onnx']);
    assert.deepEqual(planAdapterLoad(merged, 'q4f16'), { action: 'load', dtype: 'fp32' });
    assert.deepEqual(planAdapterLoad(merged, 'q4'), { action: 'merge', variant: 'q4' });
    assert.equal(mergeVariantFor('fp16'), 'fp16');
  });

  it('rejects malformed folders naming the folder, what is missing and the way out', () => {
    const empty = folder('empty', []);
    assert.throws(() => planAdapterLoad(empty, 'fp32'), {
      name: 'AdapterFolderError',
      message: `adapter folder ${empty}: it has neither a merged model (config.json and onnx/model.onnx missing) nor a PEFT adapter (adapter_config.json + adapter_model.safetensors). Choose another adapter, or None, with "SmolCode: Select Adapter".`,
    });
    const half = folder('half', ['adapter_config.json']);
    assert.throws(() => planAdapterLoad(half, 'q4'), { message: /its PEFT adapter is incomplete \(adapter_model\.safetensors missing\)/ });
    assert.throws(() => planAdapterLoad(join(root, 'nope'), 'q4'), { message: /nope: does not exist or is not a folder/ });
  });
});

describe('listing trained adapters', () => {
  it('lists folders with an adapter, newest first, with what their run recorded', () => {
    const lists = join(root, 'list');
    const run = { role: 'completion', steps: 40, initialValLoss: 2.9, bestValLoss: 2.4, finished: '2025-01-02T03:04:05.000Z' };
    folder('list/a-completion', { 'adapter_config.json': '{}', [RUN_FILE]: JSON.stringify(run) });
    const older = folder('list/b-chat', { 'adapter_config.json': '{}', [TRAINING_LOG_FILE]: JSON.stringify({ trainLosses: [{}, {}, {}], initialValLoss: null, bestValLoss: null }) });
    utimesSync(older, new Date('2024-06-01'), new Date('2024-06-01'));
    folder('list/not-an-adapter', ['notes.txt']);
    const adapters = listAdapters(lists);
    assert.deepEqual(adapters.map((a) => a.name), ['a-completion', 'b-chat']);
    assert.equal(describeAdapter(adapters[0]), 'completion · 40 steps · val loss 2.900 → 2.400');
    assert.equal(describeAdapter(adapters[1]), '3 steps');
    assert.equal(adapters[0].created.toISOString(), run.finished);
    assert.deepEqual(listAdapters(join(root, 'missing')), []);
  });
});
