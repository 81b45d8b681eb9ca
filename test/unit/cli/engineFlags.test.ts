/**
 * @file The engine flags shared by the model-running commands (cli/engineFlags.ts): `--kv-cache`
 * asks for a built graph with that cache type, and a bad value is a usage error naming the choices;
 * the `smolcode.kvCache` setting maps to the same engine option; `--native-decode` switches the
 * native decode step.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after, describe, it } from 'node:test';
import { engineOptions } from '../../../src/cli/engineFlags';
import { kvCacheOption, nativeDecodeOption, type KvCacheOption, type NativeDecodeOption } from '../../../src/model/configTypes';

describe('engine flags', () => {
  const model = mkdtempSync(`${tmpdir()}/smolcode-flags-`);
  after(() => rmSync(model, { recursive: true, force: true }));

  it('--kv-cache builds the fused graph with that cache type; without it the folder decides', () => {
    const asked = engineOptions({ model, 'kv-cache': 'float32' });
    assert.equal(asked.kvCache, 'float32');
    assert.equal(asked.buildFusedGraph, true);
    const unset = engineOptions({ model });
    assert.equal(unset.kvCache, undefined);
    assert.equal(unset.buildFusedGraph, undefined);
  });

  it('maps the smolcode.kvCache setting: auto (or a value the enum lacks) leaves the graph to decide', () => {
    assert.deepEqual(kvCacheOption('auto'), {});
    assert.deepEqual(kvCacheOption('float32'), { kvCache: 'float32' });
    assert.deepEqual(kvCacheOption('int8'), { kvCache: 'int8' });
    assert.deepEqual(kvCacheOption('fp16' as KvCacheOption), {});
  });

  it('refuses an unknown cache type, naming the choices', () => {
    assert.throws(() => engineOptions({ model, 'kv-cache': 'fp16' }), /--kv-cache must be one of float32, int8; got "fp16"/);
  });

  it('--native-decode on|off sets the engine option; unset leaves the engine its default', () => {
    assert.equal(engineOptions({ model, 'native-decode': 'on' }).nativeDecode, true);
    assert.equal(engineOptions({ model, 'native-decode': 'off' }).nativeDecode, false);
    assert.equal(engineOptions({ model }).nativeDecode, undefined);
    assert.throws(() => engineOptions({ model, 'native-decode': 'yes' }), /--native-decode must be one of on, off; got "yes"/);
  });

  it('maps the smolcode.nativeDecode setting: auto (or a value the enum lacks) leaves the engine to decide by its kernel', () => {
    assert.deepEqual(nativeDecodeOption('auto'), {});
    assert.deepEqual(nativeDecodeOption('on'), { nativeDecode: true });
    assert.deepEqual(nativeDecodeOption('off'), { nativeDecode: false });
    assert.deepEqual(nativeDecodeOption(true as unknown as NativeDecodeOption), {});
  });
});
