/**
 * @file Hostile store states: a downloaded model whose folder was damaged afterwards (by a
 * crash, a full disk, a second window, a user), one case per row. Whatever the damage, the next
 * `ensureModel` must end with the hub's exact bytes for every file and nothing half-done left
 * behind (no `.part`, `.lock` or temporary file).
 */
import assert from 'node:assert/strict';
import { appendFileSync, readdirSync, readFileSync, rmSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { ensureModel, storeDir } from '../../src/modelStore/modelStore';
import { startHub, type FakeHub } from '../support/hubServer';
import { deadPid } from '../support/processes';
import { GRAPH, ONNX, publishModel, REPO, removeTempDirs, SMALL, storeOptions } from '../unit/modelStore/fixtures';

const request = { model: 'SmolLM2-135M', dtype: 'q4' } as const;
const MARKER = '.smolcode-q4.complete.json';

/** One way to damage the store folder `dir` of a finished download. */
interface Damage {
  readonly description: string;
  readonly apply: (dir: string) => void;
}

const old = new Date(Date.now() - 3600_000);

const DAMAGES: readonly Damage[] = [
  { description: 'graph truncated to 7 bytes', apply: (dir) => writeFileSync(join(dir, ONNX), 'garbage') },
  { description: 'graph emptied', apply: (dir) => truncateSync(join(dir, ONNX), 0) },
  { description: 'graph with bytes appended', apply: (dir) => appendFileSync(join(dir, ONNX), 'tail') },
  {
    description: 'graph of the right size with one flipped byte, under a marker without sizes',
    apply: (dir) => {
      const bytes = Buffer.from(GRAPH);
      bytes[GRAPH.length - 1] ^= 0x80;
      writeFileSync(join(dir, ONNX), bytes);
      writeFileSync(join(dir, MARKER), JSON.stringify([...Object.keys(SMALL), ONNX]));
    },
  },
  { description: 'config.json deleted', apply: (dir) => rmSync(join(dir, 'config.json')) },
  { description: 'tokenizer.json truncated', apply: (dir) => writeFileSync(join(dir, 'tokenizer.json'), '{"mo') },
  { description: 'marker that is not JSON', apply: (dir) => writeFileSync(join(dir, MARKER), '{"files": {') },
  { description: 'marker that is JSON null', apply: (dir) => writeFileSync(join(dir, MARKER), 'null') },
  { description: 'marker with a size that is not a number', apply: (dir) => writeFileSync(join(dir, MARKER), JSON.stringify({ files: { [ONNX]: 'big' } })) },
  { description: 'marker naming a file that is gone', apply: (dir) => writeFileSync(join(dir, MARKER), JSON.stringify({ files: { [ONNX]: GRAPH.length, 'onnx/extra.onnx': 5 } })) },
  {
    description: 'graph gone, its lock left by a dead process',
    apply: (dir) => {
      rmSync(join(dir, ONNX));
      writeFileSync(join(dir, `${ONNX}.lock`), `${deadPid()} 0123456789abcdef\n`);
    },
  },
  {
    description: 'graph gone, its lock holding garbage and untouched for an hour',
    apply: (dir) => {
      rmSync(join(dir, ONNX));
      writeFileSync(join(dir, `${ONNX}.lock`), '\u0000\u0000 not a pid');
      utimesSync(join(dir, `${ONNX}.lock`), old, old);
    },
  },
  {
    description: 'graph gone, a part longer than the file left behind',
    apply: (dir) => {
      rmSync(join(dir, ONNX));
      writeFileSync(join(dir, `${ONNX}.part`), Buffer.concat([GRAPH, Buffer.from('more')]));
    },
  },
  {
    description: 'graph gone, a part of the right length with wrong bytes left behind',
    apply: (dir) => {
      rmSync(join(dir, ONNX));
      writeFileSync(join(dir, `${ONNX}.part`), Buffer.alloc(GRAPH.length, 1));
    },
  },
  {
    description: 'marker gone, a half-written marker of a dead process beside it',
    apply: (dir) => {
      rmSync(join(dir, MARKER));
      writeFileSync(join(dir, `${MARKER}.1234abcd.tmp-${deadPid()}`), '{"fi');
    },
  },
];

after(removeTempDirs);

describe('hostile model store states', () => {
  let hub: FakeHub;
  beforeEach(async () => {
    hub = await startHub();
    publishModel(hub);
  });
  afterEach(() => hub.close());

  for (const damage of DAMAGES) {
    it(`recovers from: ${damage.description}`, async () => {
      const options = storeOptions(hub);
      const dir = storeDir(options.storageDir, REPO, 'main');
      await ensureModel(request, options);
      damage.apply(dir);

      // A part with wrong bytes fails its hash once and is deleted; the next call starts clean.
      const model = await ensureModel(request, options).catch((error: Error) => {
        assert.equal(error.name, 'IntegrityError', error.message);
        assert.match(error.message, new RegExp(`^${ONNX} failed its sha256 check`));
        return ensureModel(request, options);
      });
      assert.deepEqual(readFileSync(model.onnxPath), GRAPH);
      for (const [file, content] of Object.entries(SMALL)) assert.equal(readFileSync(join(dir, file), 'utf8'), content, file);
      const unfinished = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => /\.(lock|part)$/.test(f) || (f.includes('.tmp-') && !f.startsWith(`${MARKER}.1234abcd`)));
      assert.deepEqual(unfinished, []);
    });
  }
});
