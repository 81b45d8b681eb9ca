/**
 * @file Where the native decode step's addon is looked for (runtime/nativeDecoder.ts) and how
 * many threads it runs for ONNX Runtime's `0` (one per physical core), and which models it runs
 * unasked.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { NATIVE_ADDON_ENV } from '../../../src/env';
import { nativeAddonCandidates, nativeAddonName, nativeThreads, wantsNativeDecode } from '../../../src/runtime/nativeDecoder';

describe('native decoder addon and threads', () => {
  const dir = mkdtempSync(join(tmpdir(), 'smolcode-native-unit-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('runs unasked where its kernel is vectorized, and always as told', () => {
    assert.equal(wantsNativeDecode(undefined, true), true);
    assert.equal(wantsNativeDecode(undefined, false), false);
    assert.equal(wantsNativeDecode(true, false), true);
    assert.equal(wantsNativeDecode(false, true), false);
  });

  it('names the addon by platform and architecture', () => {
    assert.equal(nativeAddonName('linux', 'x64'), 'smolstep-linux-x64.node');
    assert.equal(nativeAddonName('darwin', 'arm64'), 'smolstep-darwin-arm64.node');
  });

  it('looks beside the bundle, then in the project build; the environment variable overrides both', () => {
    const project = join(dir, 'project');
    mkdirSync(join(project, 'src', 'runtime'), { recursive: true });
    writeFileSync(join(project, 'package.json'), '{}');
    const from = join(project, 'src', 'runtime');
    assert.deepEqual(nativeAddonCandidates({}, from), [join(from, 'native', nativeAddonName()), join(project, 'dist', 'native', nativeAddonName())]);
    assert.deepEqual(nativeAddonCandidates({ [NATIVE_ADDON_ENV]: 'x/y.node' }, from), [resolve('x/y.node')]);
  });

  it('runs an asked thread count as given and 0 as one thread per physical core', () => {
    assert.equal(nativeThreads(3), 3);
    const cpus = join(dir, 'cpu');
    // Two cores with two hardware threads each, and a folder that is not a CPU.
    for (const [cpu, core] of [[0, 0], [1, 1], [2, 0], [3, 1]]) {
      mkdirSync(join(cpus, `cpu${cpu}`, 'topology'), { recursive: true });
      writeFileSync(join(cpus, `cpu${cpu}`, 'topology', 'core_id'), `${core}\n`);
      writeFileSync(join(cpus, `cpu${cpu}`, 'topology', 'physical_package_id'), '0\n');
    }
    mkdirSync(join(cpus, 'cpufreq'));
    assert.equal(nativeThreads(0, cpus), 2);
    assert.equal(nativeThreads(0, join(dir, 'missing')), availableParallelism());
  });
});
