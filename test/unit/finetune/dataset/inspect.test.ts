import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_LIMITS } from '../../../../src/finetune/dataset/filters';
import { inspectFile } from '../../../../src/finetune/dataset/inspect';
import { linkFolderOutside } from '../../../support/hostileTrees';

const PYTHON = new Set(['Python'] as const);
const MODULE = '"""Geometry helpers for the fixture."""\n\n\ndef area(width, height):\n    """The area of a rectangle."""\n    return width * height\n';

describe('inspecting a file reached through a symbolic link', () => {
  let temp: string;
  before(async () => {
    temp = await mkdtemp(join(tmpdir(), 'smolcode-inspect-'));
    await mkdir(join(temp, 'ws', 'src'), { recursive: true });
    await writeFile(join(temp, 'ws', 'src', 'shapes.py'), MODULE);
    // A tracked `lib/` replaced by a link to a folder outside the workspace.
    await linkFolderOutside(join(temp, 'ws'), 'lib', join(temp, 'elsewhere'), { 'shapes.py': MODULE });
    await symlink(join(temp, 'ws', 'src'), join(temp, 'ws', 'alias'), 'dir');
  });
  after(() => rm(temp, { recursive: true, force: true }));

  it('refuses a file whose real path lies outside the workspace', async () => {
    const inspection = await inspectFile(join(temp, 'ws'), 'lib/shapes.py', PYTHON, DEFAULT_LIMITS);
    assert.deepEqual(inspection, { verdict: { reason: 'outside-workspace', detail: 'a folder on its path is a link that leads out of the workspace' } });
  });

  it('reads a file whose link stays inside the workspace', async () => {
    const inspection = await inspectFile(join(temp, 'ws'), 'alias/shapes.py', PYTHON, DEFAULT_LIMITS);
    assert.ok(inspection && 'file' in inspection, JSON.stringify(inspection));
    assert.equal(inspection.file.text, MODULE);
  });
});
