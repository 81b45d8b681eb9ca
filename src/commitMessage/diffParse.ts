/**
 * @file Splits a unified `git diff` into files and hunks, and says which files are not worth
 * the model's tokens (lock files, generated files, binaries): those are summarised by name and
 * line counts instead. Only git's own output format is read (`diff --git a/… b/…`).
 */

/** Why a file is summarised rather than shown. */
export type SummaryKind = 'lock file' | 'generated' | 'binary';

/** One file of a diff. */
export interface FileDiff {
  /** The path after the change (the old path for a deletion). */
  readonly path: string;
  /**
   * The `diff --git` line plus the header lines that say what happened to the file (new, deleted,
   * renamed, mode); `index` and `---`/`+++` lines repeat what the first line says and are dropped
   * to save the model's tokens.
   */
  readonly header: string;
  /** Each hunk from its `@@` line, with a trailing newline. */
  readonly hunks: readonly string[];
  readonly added: number;
  readonly removed: number;
  /** Set when the file is summarised instead of shown. */
  readonly summary?: SummaryKind;
}

/** Lock files: machine-written, long, and never what a commit is about. */
const LOCK_FILES = new Set([
  'package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'bun.lockb', 'bun.lock',
  'Cargo.lock', 'poetry.lock', 'Pipfile.lock', 'uv.lock', 'Gemfile.lock', 'composer.lock',
  'go.sum', 'flake.lock', 'pubspec.lock', 'mix.lock', 'packages.lock.json', 'Podfile.lock',
]);

/** Build outputs and generated sources, by path. */
const GENERATED = [
  /\.min\.(js|css)$/, /\.map$/, /(^|\/)(dist|build|out|vendor|node_modules)\//, /\.snap$/,
  /\.pb\.go$/, /_pb2(_grpc)?\.py$/, /\.g\.dart$/, /\.generated\.\w+$/, /\.designer\.cs$/,
];

/** Extended header lines that carry meaning beyond the `diff --git` line. */
const KEPT_HEADER = /^(new file mode|deleted file mode|old mode|new mode|rename from|rename to|copy from|copy to) /;

/** How the file at `path` is summarised, or undefined when it is shown. */
export function summaryKindOf(path: string, binary: boolean): SummaryKind | undefined {
  if (binary) return 'binary';
  if (LOCK_FILES.has(path.slice(path.lastIndexOf('/') + 1))) return 'lock file';
  if (GENERATED.some((pattern) => pattern.test(path))) return 'generated';
  return undefined;
}

/** The new path of a `diff --git a/x b/y` line (the old one when only that is readable). */
function pathOf(gitLine: string, headerLines: readonly string[]): string {
  // ---/+++ lines are exact even with spaces in names; /dev/null marks an added or deleted side.
  const plus = headerLines.find((line) => line.startsWith('+++ '))?.slice(4);
  const minus = headerLines.find((line) => line.startsWith('--- '))?.slice(4);
  const side = plus && plus !== '/dev/null' ? plus : minus && minus !== '/dev/null' ? minus : undefined;
  if (side) return side.replace(/^[ab]\//, '');
  const renamed = headerLines.find((line) => line.startsWith('rename to '));
  if (renamed) return renamed.slice('rename to '.length);
  const match = / b\/(.*)$/.exec(gitLine);
  return match?.[1] ?? gitLine.slice('diff --git '.length);
}

/** Parses `git diff` output; text before the first `diff --git` line is ignored. */
export function parseDiff(diff: string): FileDiff[] {
  const files: FileDiff[] = [];
  const lines = diff.replace(/\r\n/g, '\n').split('\n');
  let i = 0;
  while (i < lines.length && !lines[i].startsWith('diff --git ')) i++;
  while (i < lines.length) {
    const gitLine = lines[i];
    const headerLines = [gitLine];
    for (i++; i < lines.length && !lines[i].startsWith('@@') && !lines[i].startsWith('diff --git '); i++) headerLines.push(lines[i]);
    const hunks: string[] = [];
    let added = 0;
    let removed = 0;
    while (i < lines.length && lines[i].startsWith('@@')) {
      const hunk = [lines[i]];
      for (i++; i < lines.length && !lines[i].startsWith('@@') && !lines[i].startsWith('diff --git '); i++) {
        const line = lines[i];
        if (line.startsWith('+')) added++;
        else if (line.startsWith('-')) removed++;
        hunk.push(line);
      }
      // The diff's final newline leaves an empty last line that is not part of the hunk.
      while (hunk.length > 1 && hunk[hunk.length - 1] === '' && (i >= lines.length || lines[i].startsWith('diff --git '))) hunk.pop();
      hunks.push(hunk.join('\n') + '\n');
    }
    const binary = headerLines.some((line) => line.startsWith('Binary files ') || line === 'GIT binary patch');
    const path = pathOf(gitLine, headerLines);
    const header = headerLines.filter((line, n) => n === 0 || KEPT_HEADER.test(line));
    files.push({ path, header: header.join('\n') + '\n', hunks, added, removed, summary: summaryKindOf(path, binary) });
  }
  return files;
}
