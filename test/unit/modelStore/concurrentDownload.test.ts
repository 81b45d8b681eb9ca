/**
 * @file Two downloads of one model into one store (two VS Code windows share global storage):
 * started a few milliseconds apart they used to fail both with "failed its size check", or one
 * with a raw `ENOENT … rename`. Now the second waits on the file's lock and reuses the first
 * one's result: the graph crosses the network once.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { ensureModel, storeDir } from '../../../src/modelStore/modelStore';
import { startHub, type FakeHub } from '../../support/hubServer';
import { runSnippet, sourcePath } from '../../support/processes';
import { GRAPH, graphGets, ONNX, publishModel, REPO, removeTempDirs, storeOptions } from './fixtures';

const request = { model: 'SmolLM2-135M', dtype: 'q4' } as const;
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

after(removeTempDirs);

/** Every file below `dir` whose name marks unfinished work. */
function leftovers(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => /\.(lock|part)$|\.tmp-\d+$/.test(f));
}

describe('two downloads of one model into one store', () => {
  let hub: FakeHub;
  beforeEach(async () => {
    hub = await startHub();
    publishModel(hub);
  });
  afterEach(() => hub.close());

  for (const gapMs of [0, 2, 10, 30]) {
    it(`both succeed when started ${gapMs} ms apart, and the graph is fetched once`, async () => {
      const options = storeOptions(hub);
      const first = ensureModel(request, options);
      await delay(gapMs);
      const second = ensureModel(request, options);
      const [a, b] = await Promise.all([first, second]);
      assert.equal(a.onnxPath, b.onnxPath);
      assert.deepEqual(readFileSync(a.onnxPath), GRAPH);
      assert.equal(graphGets(hub).length, 1);
      assert.deepEqual(leftovers(storeDir(options.storageDir, REPO, 'main')), []);
    });
  }

  it('both succeed from two processes sharing the store, and the graph is fetched once', async () => {
    const options = storeOptions(hub);
    const code = `
      import { ensureModel } from ${JSON.stringify(sourcePath('src/modelStore/modelStore.ts'))};
      const model = await ensureModel({ model: 'SmolLM2-135M', dtype: 'q4' }, ${JSON.stringify({ storageDir: options.storageDir, endpoint: hub.url, retry: options.retry, timeoutMs: 5000 })});
      console.log(model.onnxPath);`;
    const results = await Promise.all([runSnippet(code), delay(5).then(() => runSnippet(code))]);
    const dir = storeDir(options.storageDir, REPO, 'main');
    for (const r of results) {
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), join(dir, ONNX));
    }
    assert.deepEqual(readFileSync(join(dir, ONNX)), GRAPH);
    assert.equal(graphGets(hub).length, 1);
    assert.deepEqual(leftovers(dir), []);
    assert.equal(existsSync(join(dir, `${ONNX}.lock`)), false);
  });
});
