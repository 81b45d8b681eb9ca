/**
 * @file Hostile trees for the startup sweep (runtime/leftovers.ts), which runs over global
 * storage and model folders the user may have filled with anything: it removes only the
 * temporary entries of dead processes, never follows a symbolic link out of the tree (or round
 * a loop), stops at its depth limit, and takes odd names literally.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { removeLeftovers } from '../../src/runtime/leftovers';
import { deadPid } from '../support/processes';

const base = mkdtempSync(join(tmpdir(), 'smolcode-hostile-leftovers-'));
after(() => rmSync(base, { recursive: true, force: true }));

describe('the startup sweep over hostile trees', () => {
  const dead = deadPid();
  const tree = join(base, 'tree');
  const outside = join(base, 'outside');
  const touch = (path: string) => {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, 'x');
  };

  const removed = [
    join(tree, `naïve name with spaces.onnx.tmp-${dead}`),
    join(tree, 'a', 'b', 'c', `deep.tmp-${dead}`),
    join(tree, `.partial-${dead}`),
    join(tree, `model.onnx.partial-${dead}`),
  ];
  const kept = [
    join(outside, `not ours to touch.tmp-${dead}`),
    join(tree, 'a', 'b', 'c', 'd', 'e', 'f', 'g', `too deep.tmp-${dead}`),
    join(tree, `model.onnx.tmp-${dead}.bak`),
    join(tree, `model.onnx.tmp-${dead}x`),
    join(tree, `model.onnx.tmp--${dead}`),
    join(tree, 'model.onnx.tmp-'),
    join(tree, `model.onnx.TMP-${dead}`),
    join(tree, `model.onnx.tmp-${process.pid}`),
  ];

  it('removes exactly the temporary entries of dead processes', () => {
    for (const path of [...removed, ...kept]) touch(path);
    symlinkSync(outside, join(tree, 'link to outside'));
    symlinkSync(tree, join(tree, 'a', 'loop'));
    symlinkSync(join(outside, 'nowhere'), join(tree, `dangling.tmp-${process.pid}`));

    const result = removeLeftovers(tree);
    assert.deepEqual(result.sort(), [...removed].sort());
    for (const path of removed) assert.equal(existsSync(path), false, path);
    for (const path of kept) assert.equal(existsSync(path), true, path);
  });

  it('removes a dangling link named like a dead process\'s temporary file, not its target', () => {
    const link = join(tree, `link.tmp-${dead}`);
    symlinkSync(join(outside, `not ours to touch.tmp-${dead}`), link);
    assert.deepEqual(removeLeftovers(tree, 0), [link]);
    assert.equal(existsSync(join(outside, `not ours to touch.tmp-${dead}`)), true);
  });

  it('returns nothing for a root that does not exist or is a file', () => {
    assert.deepEqual(removeLeftovers(join(base, 'missing')), []);
    assert.deepEqual(removeLeftovers(join(tree, 'model.onnx.tmp-')), []);
  });
});
