import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { ensureModel, findCachedModel, storeDir } from '../../../src/modelStore/modelStore';
import { resolveTokenizerPath } from '../../../src/modelStore/localFolder';
import { startHub, type FakeHub } from '../../support/hubServer';
import { ONNX, publishModel, REPO, SMALL, removeTempDirs, storeOptions, tempDir } from './fixtures';

const request = { model: 'SmolLM2-135M', dtype: 'q4' } as const;

/** A folder holding `files` (each with a little content). */
function folderWith(files: readonly string[]): string {
  const dir = tempDir();
  for (const file of files) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), SMALL[file] ?? 'onnx');
  }
  return dir;
}

after(removeTempDirs);

describe('a local model folder', () => {
  let hub: FakeHub;
  beforeEach(async () => {
    hub = await startHub();
    publishModel(hub);
  });
  afterEach(() => hub.close());

  it('is used as it is, with no request to the hub', async () => {
    const dir = folderWith(['config.json', 'tokenizer.json', 'tokenizer_config.json', ONNX]);
    const model = await ensureModel(request, storeOptions(hub, { localModelPath: dir }));
    assert.deepEqual(model, { source: 'local', dir, onnxPath: join(dir, ONNX), tokenizerDir: dir });
    assert.equal(hub.requests.length, 0);
  });

  it('is rejected with a list of what it lacks', async () => {
    const dir = folderWith(['tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx']);
    await assert.rejects(ensureModel(request, storeOptions(hub, { localModelPath: dir })), {
      name: 'MissingModelFilesError',
      message: new RegExp(`^model folder ${dir} is missing config\\.json, onnx/model_q4\\.onnx; `),
    });
    await assert.rejects(ensureModel(request, storeOptions(hub, { localModelPath: join(dir, 'nope') })), {
      message: `local model folder "${join(dir, 'nope')}" does not exist or is not a folder (setting smolcode.localModelPath)`,
    });
    assert.equal(hub.requests.length, 0);
  });

  it('takes tokenizer files from the tokenizer folder when it has none', async () => {
    const dir = folderWith(['config.json', ONNX]);
    const tokenizerPath = folderWith(['tokenizer.json', 'tokenizer_config.json']);
    const model = await ensureModel(request, storeOptions(hub, { localModelPath: dir, tokenizerPath }));
    assert.equal(model.dir, dir);
    assert.equal(model.tokenizerDir, tokenizerPath);
    assert.equal(hub.requests.length, 0);
  });

  it('fetches only the tokenizer files from the hub when no folder has them, once', async () => {
    const dir = folderWith(['config.json', ONNX]);
    const options = storeOptions(hub, { localModelPath: dir, tokenizerPath: tempDir() });
    assert.equal(await findCachedModel(request, options), undefined);
    const model = await ensureModel(request, options);
    assert.equal(model.dir, dir);
    assert.equal(model.tokenizerDir, storeDir(options.storageDir, REPO, 'main'));
    const fetched = hub.requests.filter((r) => r.method === 'GET').map((r) => r.path.split('/').at(-1));
    assert.deepEqual(fetched, ['tokenizer.json', 'tokenizer_config.json']);

    const count = hub.requests.length;
    assert.deepEqual(await ensureModel(request, options), model);
    assert.equal(hub.requests.length, count);
  });

  it('names the missing tokenizer files when offline', async () => {
    const dir = folderWith(['config.json', 'tokenizer.json', ONNX]);
    await assert.rejects(ensureModel(request, storeOptions(hub, { localModelPath: dir, offline: true })), {
      name: 'MissingModelFilesError',
      message: new RegExp(`^model folder ${dir} is missing tokenizer_config\\.json; and smolcode\\.tokenizerPath`),
    });
    assert.equal(hub.requests.length, 0);
  });
});

describe('the tokenizer folder setting', () => {
  it('prefers the setting, then SMOLCODE_TOKENIZER_DIR', () => {
    assert.equal(resolveTokenizerPath('/a', { SMOLCODE_TOKENIZER_DIR: '/b' }), '/a');
    assert.equal(resolveTokenizerPath('  ', { SMOLCODE_TOKENIZER_DIR: '/b' }), '/b');
    assert.equal(resolveTokenizerPath('', {}), undefined);
  });
});
