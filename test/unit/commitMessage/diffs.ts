/**
 * @file Real `git diff --cached` outputs the commit-message tests parse: a modified file, an
 * added file, a rename, a binary and a lock file, as git 2.x prints them.
 */

export const MODIFIED = [
  'diff --git a/src/math.ts b/src/math.ts',
  'index 3f1c2aa..9b0e4d1 100644',
  '--- a/src/math.ts',
  '+++ b/src/math.ts',
  '@@ -1,4 +1,9 @@',
  ' /** Adds two numbers. */',
  ' export function add(a: number, b: number): number {',
  '   return a + b;',
  ' }',
  '+',
  '+/** Subtracts b from a. */',
  '+export function subtract(a: number, b: number): number {',
  '+  return a - b;',
  '+}',
  '@@ -20,3 +25,3 @@ export function mul(a: number, b: number): number {',
  '-  return a * b',
  '+  return a * b;',
  ' }',
  '',
].join('\n');

export const ADDED = [
  'diff --git a/docs/usage.md b/docs/usage.md',
  'new file mode 100644',
  'index 0000000..e69de29',
  '--- /dev/null',
  '+++ b/docs/usage.md',
  '@@ -0,0 +1,2 @@',
  '+# Usage',
  '+Call add(1, 2).',
  '',
].join('\n');

export const RENAMED = [
  'diff --git a/old name.py b/new name.py',
  'similarity index 100%',
  'rename from old name.py',
  'rename to new name.py',
  '',
].join('\n');

export const BINARY = [
  'diff --git a/media/logo.png b/media/logo.png',
  'index 1a2b3c4..5d6e7f8 100644',
  'Binary files a/media/logo.png and b/media/logo.png differ',
  '',
].join('\n');

export const LOCK = [
  'diff --git a/package-lock.json b/package-lock.json',
  'index 1111111..2222222 100644',
  '--- a/package-lock.json',
  '+++ b/package-lock.json',
  '@@ -10,3 +10,3 @@',
  '-      "version": "1.0.0",',
  '+      "version": "1.0.1",',
  '       "license": "MIT"',
  '',
].join('\n');
