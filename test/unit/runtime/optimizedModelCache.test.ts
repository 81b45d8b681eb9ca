/**
 * @file The optimised-graph cache plan: first a save plan, then (after commit) a cached entry
 * loaded with optimisation off; keys change with the model file, runtime, provider and the options
 * that change the saved graph; entries of model files that are gone are swept; session options
 * merge without losing either side's `extra.session` entries.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { planOptimizedModel } from '../../../src/runtime/optimizedModelCache';
import { mergeSessionOptions, sessionEntries } from '../../../src/runtime/session';

describe('planOptimizedModel', () => {
  const dir = mkdtempSync(join(tmpdir(), 'smolcode-optcache-'));
  const model = join(dir, 'model_q4_fused.onnx');
  writeFileSync(model, 'graph');
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('saves on first use and loads the saved graph only after commit', () => {
    const first = planOptimizedModel(model, join(dir, 'cache'), '1.30.0', 'cpu')!;
    assert.equal(first.cached, false);
    assert.equal(first.path, model);
    assert.match(first.sessionOptions.optimizedModelFilePath!, /model_q4_fused-[0-9a-f]{16}\.onnx$/);
    assert.equal(planOptimizedModel(model, join(dir, 'cache'), '1.30.0', 'cpu')!.cached, false, 'uncommitted entries do not count');
    writeFileSync(first.sessionOptions.optimizedModelFilePath!, 'optimised');
    first.commit();
    const second = planOptimizedModel(model, join(dir, 'cache'), '1.30.0', 'cpu')!;
    assert.equal(second.cached, true);
    assert.equal(second.path, first.sessionOptions.optimizedModelFilePath);
    assert.equal(second.sessionOptions.graphOptimizationLevel, 'disabled');
    // The first load reopens what it saved exactly as a later load opens the entry.
    assert.deepEqual(first.saved, { path: second.path, sessionOptions: second.sessionOptions });
  });

  it('uses another entry for another runtime version, provider or model file', () => {
    const key = (p: { sessionOptions: { optimizedModelFilePath?: string }; path: string }) => p.sessionOptions.optimizedModelFilePath ?? p.path;
    const base = key(planOptimizedModel(model, join(dir, 'cache'), '1.30.0', 'cpu')!);
    assert.notEqual(key(planOptimizedModel(model, join(dir, 'cache'), '1.31.0', 'cpu')!), base);
    assert.notEqual(key(planOptimizedModel(model, join(dir, 'cache'), '1.30.0', 'webgpu')!), base);
    utimesSync(model, new Date(), new Date(Date.now() + 5000));
    assert.notEqual(key(planOptimizedModel(model, join(dir, 'cache'), '1.30.0', 'cpu')!), base);
  });

  it("keeps session entries of both option sets when the plan's are merged in", () => {
    const lean = { enableCpuMemArena: false, extra: { session: { disable_prepacking: '1' } } };
    const save = planOptimizedModel(model, join(dir, 'merge'), '1.30.0', 'cpu')!.sessionOptions;
    const merged = mergeSessionOptions(lean, save, { intra_op_spin: '0' });
    assert.equal(merged.enableCpuMemArena, false);
    assert.equal(merged.graphOptimizationLevel, 'extended');
    assert.deepEqual(merged.extra, {
      session: { disable_prepacking: '1', ...save.extra!.session as Record<string, string>, intra_op_spin: '0' },
    });
  });

  it('removes the entries of model files that are gone when it writes a new one, and keeps the others', () => {
    const cache = join(dir, 'orphans');
    const write = (modelPath: string, provider = 'cpu') => {
      const plan = planOptimizedModel(modelPath, cache, '1.30.0', provider)!;
      writeFileSync(plan.sessionOptions.optimizedModelFilePath!, 'optimised');
      writeFileSync(`${plan.sessionOptions.optimizedModelFilePath!}.data`, 'weights');
      plan.commit();
      return plan.sessionOptions.optimizedModelFilePath!;
    };
    // A prompt graph built into a cache folder, then rebuilt into another one (the old folder removed).
    mkdirSync(join(dir, 'build-1'));
    const oldGraph = join(dir, 'build-1', 'model_int8_fused_prompt.onnx');
    writeFileSync(oldGraph, 'graph');
    const oldEntry = write(oldGraph);
    const kept = [write(model), write(model, 'webgpu')];
    rmSync(join(dir, 'build-1'), { recursive: true });
    mkdirSync(join(dir, 'build-2'));
    const newGraph = join(dir, 'build-2', 'model_int8_fused_prompt.onnx');
    writeFileSync(newGraph, 'graph');
    assert.ok(existsSync(oldEntry) && existsSync(`${oldEntry}.data`), 'nothing is swept before a new entry is written');
    const newEntry = write(newGraph);
    for (const file of [oldEntry, `${oldEntry}.data`, `${oldEntry}.done`]) assert.equal(existsSync(file), false, `${file} removed`);
    for (const entry of [...kept, newEntry]) assert.ok(existsSync(entry) && existsSync(`${entry}.data`) && existsSync(`${entry}.done`), `${entry} kept`);
    assert.deepEqual(readdirSync(cache).sort(), [...kept, newEntry].flatMap((e) => [e, `${e}.data`, `${e}.done`]).map((e) => basename(e)).sort());
  });

  it('keys entries by the options that change the saved graph', () => {
    const plain = planOptimizedModel(model, join(dir, 'variants'), '1.30.0', 'cpu')!.sessionOptions.optimizedModelFilePath;
    const exact = planOptimizedModel(model, join(dir, 'variants'), '1.30.0', 'cpu', 'x64quantprecision')!.sessionOptions.optimizedModelFilePath;
    assert.notEqual(exact, plain);
    assert.equal(planOptimizedModel(model, join(dir, 'variants'), '1.30.0', 'cpu', '')!.sessionOptions.optimizedModelFilePath, plain);
  });

  it('asks for exact int8 products only where they are wanted', () => {
    assert.equal(sessionEntries({ device: 'cpu', threads: 1 }).extra, undefined);
    assert.deepEqual(sessionEntries({ device: 'cpu', threads: 1, exactInt8: true }).extra, { session: { x64quantprecision: '1' } });
    const lean = sessionEntries({ device: 'cpu', threads: 1, memory: 'lean', spinning: false, exactInt8: true }).extra as { session: Record<string, string> };
    assert.deepEqual(lean.session, { x64quantprecision: '1', disable_prepacking: '1', 'intra_op.allow_spinning': '0' });
  });

  it('gives no plan for a missing model file', () => {
    assert.equal(planOptimizedModel(join(dir, 'absent.onnx'), join(dir, 'cache'), '1.30.0', 'cpu'), undefined);
  });
});
