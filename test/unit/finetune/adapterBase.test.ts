import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { adapterBaseWarning, modelFingerprint, recordedBase } from '../../../src/finetune/adapterBase';

const root = mkdtempSync(join(tmpdir(), 'smolcode-adapter-base-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A model folder whose weights file is `size` bytes of `fill`, with one byte flipped at `poke`. */
function modelDir(name: string, size: number, fill: number, poke?: number): string {
  const dir = join(root, name);
  const bytes = Buffer.alloc(size, fill);
  if (poke !== undefined) bytes[poke] = fill ^ 0xff;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), '{"hidden_size":64}');
  writeFileSync(join(dir, 'model.safetensors'), bytes);
  return dir;
}

describe('the base an adapter was trained on', () => {
  it('fingerprints the weights: equal for equal files, different for one changed sample byte, none without safetensors', () => {
    const size = 4 * 1024 * 1024;
    const a = modelFingerprint(modelDir('a', size, 1));
    assert.match(a ?? '', /^sha256:[0-9a-f]{64}$/);
    assert.equal(modelFingerprint(modelDir('b', size, 1)), a);
    assert.notEqual(modelFingerprint(modelDir('c', size, 1, 0)), a, 'the header sample differs');
    assert.notEqual(modelFingerprint(modelDir('d', size, 1, size - 1)), a, 'the last sample differs');
    assert.equal(modelFingerprint(root), undefined);
  });

  it('warns when fingerprints differ, and not when they are equal even under another folder name', () => {
    const recorded = { name: '/models/base', fingerprint: 'sha256:1' };
    assert.equal(adapterBaseWarning('/a', recorded, { kind: 'local', dir: '/elsewhere/base', fingerprint: 'sha256:1' }), undefined);
    assert.equal(
      adapterBaseWarning('/a', recorded, { kind: 'local', dir: '/models/base', fingerprint: 'sha256:2' }),
      'the adapter /a was trained on /models/base, whose weights differ from those of /models/base, the base in use',
    );
  });

  it('compares names when a fingerprint is missing: catalog ids, hub names and folders', () => {
    assert.equal(adapterBaseWarning('/a', { name: 'SmolLM2-135M' }, { kind: 'catalog', id: 'SmolLM2-135M' }), undefined);
    assert.equal(adapterBaseWarning('/a', { name: 'HuggingFaceTB/SmolLM2-135M' }, { kind: 'catalog', id: 'SmolLM2-135M' }), undefined);
    assert.equal(
      adapterBaseWarning('/a', { name: 'HuggingFaceTB/SmolLM2-135M' }, { kind: 'catalog', id: 'SmolLM2-135M-Instruct' }),
      'the adapter /a was trained on HuggingFaceTB/SmolLM2-135M, but the base in use is SmolLM2-135M-Instruct',
    );
    assert.equal(adapterBaseWarning('/a', { name: '/m/x/' }, { kind: 'local', dir: '/m/x' }), undefined);
    assert.match(adapterBaseWarning('/a', { name: 'SmolLM2-135M' }, { kind: 'local', dir: '/m/x' }) ?? '', /the base in use is \/m\/x$/);
  });

  it("reads SmolCode's run file first, then PEFT's adapter config", () => {
    const dir = join(root, 'adapter');
    mkdirSync(dir, { recursive: true });
    assert.equal(recordedBase(dir, 'run.json', 'adapter_config.json'), undefined);
    writeFileSync(join(dir, 'adapter_config.json'), JSON.stringify({ base_model_name_or_path: 'HuggingFaceTB/SmolLM2-135M' }));
    assert.deepEqual(recordedBase(dir, 'run.json', 'adapter_config.json'), { name: 'HuggingFaceTB/SmolLM2-135M' });
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ baseModel: '/m/base', baseFingerprint: 'sha256:9' }));
    assert.deepEqual(recordedBase(dir, 'run.json', 'adapter_config.json'), { name: '/m/base', fingerprint: 'sha256:9' });
  });
});
