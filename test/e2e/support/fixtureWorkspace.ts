/**
 * @file A small workspace for the extension to open: a couple of source files in a fresh temp
 * folder, as a user's project would look.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const files: Readonly<Record<string, string>> = {
  'README.md': '# Fixture project\n\nA tiny project the SmolCode end-to-end tests open.\n',
  'src/math.ts': [
    '/** Adds two numbers. */',
    'export function add(a: number, b: number): number {',
    '  return a + b;',
    '}',
    '',
  ].join('\n'),
  'src/fib.py': [
    'def fib(n: int) -> int:',
    '    """Returns the n-th Fibonacci number."""',
    '    a, b = 0, 1',
    '    for _ in range(n):',
    '        a, b = b, a + b',
    '    return a',
    '',
  ].join('\n'),
};

/**
 * Writes the fixture files, plus `extraFiles` (workspace-relative path to content; they win over
 * fixture files of the same path), under `dir` (created if needed) and returns `dir`.
 */
export function createFixtureWorkspace(dir: string, extraFiles: Readonly<Record<string, string>> = {}): string {
  for (const [relative, content] of Object.entries({ ...files, ...extraFiles })) {
    const path = join(dir, relative);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, content);
  }
  return dir;
}
