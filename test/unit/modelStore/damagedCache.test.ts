/**
 * @file A downloaded file damaged after its completion marker was written: a 7-byte
 * `model_q4.onnx` used to be reused unchecked, and every load failed in the protobuf parser.
 * Sizes are now checked on every load, and files the marker cannot vouch for are checked
 * against the hub's size and hash.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { ensureModel, findCachedModel, storeDir } from '../../../src/modelStore/modelStore';
import { startHub, type FakeHub } from '../../support/hubServer';
import { GRAPH, graphGets, ONNX, publishModel, REPO, removeTempDirs, SMALL, storeOptions } from './fixtures';

const request = { model: 'SmolLM2-135M', dtype: 'q4' } as const;
const MARKER = '.smolcode-q4.complete.json';

after(removeTempDirs);

describe('a cached model damaged after its download', () => {
  let hub: FakeHub;
  beforeEach(async () => {
    hub = await startHub();
    publishModel(hub);
  });
  afterEach(() => hub.close());

  it('records every file with its size in the completion marker', async () => {
    const options = storeOptions(hub);
    const model = await ensureModel(request, options);
    const marker = JSON.parse(readFileSync(join(model.dir, MARKER), 'utf8'));
    assert.deepEqual(marker, { files: { ...Object.fromEntries(Object.entries(SMALL).map(([f, c]) => [f, Buffer.byteLength(c)])), [ONNX]: GRAPH.length } });
  });

  it('does not reuse a 7-byte graph: the store downloads it again', async () => {
    const options = storeOptions(hub);
    const model = await ensureModel(request, options);
    writeFileSync(model.onnxPath, 'garbage');

    assert.equal(await findCachedModel(request, options), undefined);
    const again = await ensureModel(request, options);
    assert.deepEqual(readFileSync(again.onnxPath), GRAPH);
    assert.equal(graphGets(hub).length, 2);
    assert.ok(await findCachedModel(request, options));
  });

  it('offline, names the damaged file and both sizes', async () => {
    const options = storeOptions(hub);
    const model = await ensureModel(request, options);
    writeFileSync(model.onnxPath, 'garbage');
    await assert.rejects(ensureModel(request, { ...options, offline: true }), {
      name: 'MissingModelFilesError',
      message: `model folder ${model.dir} is missing ${ONNX}; ${ONNX} is 7 bytes, ${GRAPH.length} were downloaded; they were changed after the download and the store is offline, so they cannot be fetched again`,
    });
  });

  it('checks the files of a marker without sizes against the hub once, fetching only what differs', async () => {
    const options = storeOptions(hub);
    const dir = storeDir(options.storageDir, REPO, 'main');
    await ensureModel(request, options);
    // As written before sizes were recorded, with a graph of the right size but wrong bytes.
    writeFileSync(join(dir, MARKER), JSON.stringify([...Object.keys(SMALL), ONNX]));
    const corrupt = Buffer.from(GRAPH);
    corrupt[100] ^= 1;
    writeFileSync(join(dir, ONNX), corrupt);

    assert.ok(await findCachedModel(request, { ...options, offline: true }), 'offline, nothing can re-check it');
    assert.equal(await findCachedModel(request, options), undefined);
    await ensureModel(request, options);
    assert.deepEqual(readFileSync(join(dir, ONNX)), GRAPH);
    assert.equal(graphGets(hub).length, 2);
    const smallGets = hub.requests.filter((r) => r.method === 'GET' && Object.keys(SMALL).some((f) => r.path.endsWith(`/${f}`)));
    assert.equal(smallGets.length, Object.keys(SMALL).length, 'the intact small files are not fetched again');
    assert.equal(JSON.parse(readFileSync(join(dir, MARKER), 'utf8')).files[ONNX], GRAPH.length);
  });
});
