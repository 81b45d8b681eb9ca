import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildDataset, OUTPUT_FILES } from '../../src/finetune/dataset/pipeline';
import type { DatasetReport } from '../../src/finetune/dataset/report';
import { charTokenizer } from '../support/charTokenizer';
import { linkFolderOutside, makeFolderPastPathLimit, removeTree } from '../support/hostileTrees';

/** File names that mean something to Markdown or HTML; each file is too small to keep, so it is listed as dropped. */
const HOSTILE_NAMES = ['[x](javascript:alert(1)).py', '<img src=x onerror=alert(1)>.py', 'a\n| b | c |\n.py', '*bold* _em_ `code` ~~s~~.py', '# heading &amp; !.py'];
const MODULE = '"""Geometry helpers for the fixture."""\n\n\ndef area(width, height):\n    """The area of a rectangle."""\n    return width * height\n';
const OUTSIDE_MARKER = 'OUTSIDE_THE_WORKSPACE_MARKER';

async function outputs(out: string): Promise<string[]> {
  return Promise.all((await readdir(out)).map((name) => readFile(join(out, name), 'utf8')));
}

describe('building a training set from a hostile workspace tree', () => {
  let temp: string;
  before(async () => {
    temp = await mkdtemp(join(tmpdir(), 'smolcode-hostile-tree-'));
    await mkdir(join(temp, 'walk'));
    await writeFile(join(temp, 'walk', 'shapes.py'), MODULE);
    for (const name of HOSTILE_NAMES) await writeFile(join(temp, 'walk', name), 'x = 1\n');
    makeFolderPastPathLimit(join(temp, 'walk'), 'deep');

    // Git mode: `lib/` is tracked, then replaced by a link to a folder outside the workspace.
    await mkdir(join(temp, 'repo', 'lib'), { recursive: true });
    await writeFile(join(temp, 'repo', 'shapes.py'), MODULE);
    await writeFile(join(temp, 'repo', 'lib', 'shapes2.py'), MODULE.replace('area', 'surface'));
    const git = (...args: string[]) => execFileSync('git', args, { cwd: join(temp, 'repo'), stdio: 'ignore' });
    git('init', '-q');
    git('add', '-A');
    await rm(join(temp, 'repo', 'lib'), { recursive: true });
    await linkFolderOutside(join(temp, 'repo'), 'lib', join(temp, 'elsewhere'), { 'shapes2.py': MODULE.replace('area', OUTSIDE_MARKER) });
  });
  after(() => removeTree(temp));

  it('skips a folder nested past the OS path limit and reports it, with a short line in report.md', async () => {
    const out = join(temp, 'out-walk');
    const report = await buildDataset({ workspace: join(temp, 'walk'), out, minScore: 0 }, { tokenizer: charTokenizer });
    const deep = report.dropped.filter((d) => d.reason === 'path-too-long');
    assert.equal(deep.length, 1);
    assert.ok(deep[0]?.path.startsWith('deep/'));
    assert.deepEqual(report.kept.map((k) => k.path), ['shapes.py']);
    const markdown = await readFile(join(out, OUTPUT_FILES.reportMarkdown), 'utf8');
    const longest = Math.max(...markdown.split('\n').map((line) => line.length));
    assert.ok(longest < 400, `report.md has a line of ${longest} characters`);
  });

  it('lists every hostile file name in report.md as one escaped table row', async () => {
    const out = join(temp, 'out-walk');
    const report = JSON.parse(await readFile(join(out, OUTPUT_FILES.reportJson), 'utf8')) as DatasetReport;
    const markdown = await readFile(join(out, OUTPUT_FILES.reportMarkdown), 'utf8');
    for (const name of HOSTILE_NAMES) assert.ok(report.dropped.some((d) => d.path === name), JSON.stringify(name));
    // Unescaped: an HTML tag, a link, a heading.
    assert.doesNotMatch(markdown, /(?<!\\)<img|(?<!\\)\]\(javascript|^# heading/m);
    const rows = markdown.split('\n').filter((line) => line.endsWith('| too-small | 6 B \\< 64 B |'));
    assert.equal(rows.length, HOSTILE_NAMES.length, rows.join('\n'));
  });

  it('in git mode, refuses a tracked file whose folder became a link out of the workspace', async () => {
    const out = join(temp, 'out-repo');
    const report = await buildDataset({ workspace: join(temp, 'repo'), out, minScore: 0 }, { tokenizer: charTokenizer });
    assert.equal(report.listing, 'git');
    assert.deepEqual(report.kept.map((k) => k.path), ['shapes.py']);
    assert.equal(report.dropped.find((d) => d.path === 'lib/shapes2.py')?.reason, 'outside-workspace');
    for (const text of await outputs(out)) assert.ok(!text.includes(OUTSIDE_MARKER));
  });
});
