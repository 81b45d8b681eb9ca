import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { ensureModel, findCachedModel, type StoreProgress } from '../../../src/modelStore/modelStore';
import { startHub, type FakeHub } from '../../support/hubServer';
import { GRAPH, ONNX, publishModel, REPO, removeTempDirs, sha256, SMALL, storeOptions, tempDir } from './fixtures';

const WEIGHTS = randomBytes(48 * 1024);
const plain = { model: 'SmolLM2-135M', dtype: 'q4' } as const;
const withWeights = { ...plain, weights: true } as const;

const weightGets = (hub: FakeHub) => hub.requests.filter((r) => r.method === 'GET' && r.path.endsWith('model.safetensors'));

after(removeTempDirs);

describe('the float weights for fine-tuning', () => {
  let hub: FakeHub;
  beforeEach(async () => {
    hub = await startHub();
    publishModel(hub);
    hub.addFile(REPO, 'main', 'model.safetensors', WEIGHTS, true);
  });
  afterEach(() => hub.close());

  it('are not downloaded unless a request asks for them', async () => {
    const model = await ensureModel(plain, storeOptions(hub));
    assert.equal(existsSync(join(model.dir, 'model.safetensors')), false);
    assert.equal(weightGets(hub).length, 0);
  });

  it('are downloaded with the graph under one progress total, and answered from disk afterwards', async () => {
    const progress: StoreProgress[] = [];
    const options = storeOptions(hub, { onProgress: (p) => progress.push(p) });
    const model = await ensureModel(withWeights, options);
    assert.equal(sha256(readFileSync(join(model.dir, 'model.safetensors'))), sha256(WEIGHTS));
    assert.equal(sha256(readFileSync(model.onnxPath)), sha256(GRAPH));
    const smallBytes = Object.values(SMALL).reduce((sum, s) => sum + Buffer.byteLength(s), 0);
    assert.equal(progress.at(-1)?.totalBytes, smallBytes + GRAPH.length + WEIGHTS.length);

    const before = hub.requests.length;
    assert.equal((await findCachedModel(withWeights, options))?.dir, model.dir);
    await ensureModel(withWeights, options);
    assert.equal(hub.requests.length, before);
  });

  it('are fetched alone, with their own marker, for a model whose graph is already complete', async () => {
    const options = storeOptions(hub);
    const model = await ensureModel(plain, options);
    assert.equal(await findCachedModel(withWeights, options), undefined, 'the graph marker alone does not cover the weights');
    const before = hub.requests.length;
    await ensureModel(withWeights, options);
    const asked = hub.requests.slice(before).filter((r) => !r.path.startsWith('/cdn/')).map((r) => `${r.method} ${r.path}`);
    assert.ok(asked.length > 0 && asked.every((r) => r.endsWith('/model.safetensors')), `only the weights are asked for, got ${asked.join(', ')}`);
    assert.ok(existsSync(join(model.dir, '.smolcode-weights.complete.json')));
    assert.ok(await findCachedModel(plain, options));
  });

  it('are required: a hub without them fails naming the file', async () => {
    const bare = await startHub();
    publishModel(bare);
    try {
      await assert.rejects(ensureModel(withWeights, storeOptions(bare)), {
        name: 'HubFileNotFoundError',
        message: new RegExp(`^model\\.safetensors not found in ${REPO}`),
      });
    } finally {
      await bare.close();
    }
  });

  it('must be in a local model folder, which is named in the error', async () => {
    const dir = tempDir();
    for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json', ONNX]) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), SMALL[file] ?? 'onnx');
    }
    const options = storeOptions(hub, { localModelPath: dir });
    assert.equal((await ensureModel(plain, options)).dir, dir);
    await assert.rejects(ensureModel(withWeights, options), {
      name: 'MissingModelFilesError',
      message: new RegExp(`^model folder ${dir} is missing model\\.safetensors; fine-tuning`),
    });
    writeFileSync(join(dir, 'model.safetensors'), 'weights');
    assert.equal((await ensureModel(withWeights, options)).dir, dir);
    assert.equal(hub.requests.length, 0);
  });
});
