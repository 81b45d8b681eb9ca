/**
 * @file The VSIX `npm start` installs: `dist/smolcode-<platform>-<version>.vsix`, packaged again
 * (`scripts/package.mjs`, which builds first) only when a file it is made from is newer than it.
 * Packaging takes about 20 s on 2 cores, so an unchanged checkout starts without it; after a
 * `git pull` or an edit the changed files are newer and the next start repackages.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { log, runChild, type StopRequests } from './children';

/** What the VSIX is made from: the bundles' sources, the packaging scripts, the manifest. */
const INPUTS = ['src', 'webview-ui', 'media', 'package.json', 'package-lock.json', '.vscodeignore', 'scripts/build.mjs', 'scripts/package.mjs'];

/** The newest file under `path` (a file or folder), as [mtime in ms, path]. */
function newestFile(path: string): [number, string] | undefined {
  if (!existsSync(path)) return undefined;
  const stat = statSync(path);
  if (!stat.isDirectory()) return [stat.mtimeMs, path];
  let newest: [number, string] | undefined;
  for (const name of readdirSync(path)) {
    const candidate = newestFile(join(path, name));
    if (candidate && (!newest || candidate[0] > newest[0])) newest = candidate;
  }
  return newest;
}

/** vsce's target name for this machine (code-server, and so `npm start`, runs on Linux only). */
export function vsixTarget(): string {
  if (process.platform !== 'linux' || !['x64', 'arm64'].includes(process.arch)) {
    throw new Error(`npm start runs code-server on Linux x64 or arm64; this is ${process.platform}-${process.arch}`);
  }
  return `linux-${process.arch}`;
}

/** Why the VSIX must be packaged again, or undefined when it is up to date. */
export function stalenessReason(repoRoot: string, vsix: string): string | undefined {
  if (!existsSync(vsix)) return `${relative(repoRoot, vsix)} does not exist`;
  if (!existsSync(join(repoRoot, 'dist', 'cli.mjs'))) return 'dist/cli.mjs does not exist';
  const built = statSync(vsix).mtimeMs;
  for (const input of INPUTS) {
    const newest = newestFile(join(repoRoot, input));
    if (newest && newest[0] > built) return `${relative(repoRoot, newest[1])} is newer than ${relative(repoRoot, vsix)}`;
  }
  return undefined;
}

/** Packages the VSIX when it is stale and returns its path. */
export async function ensureVsix(repoRoot: string, stop: StopRequests): Promise<string> {
  const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  const target = vsixTarget();
  const vsix = join(repoRoot, 'dist', `smolcode-${target}-${version}.vsix`);
  const reason = stalenessReason(repoRoot, vsix);
  if (!reason) {
    log(`${relative(repoRoot, vsix)} is up to date (newer than ${INPUTS.join(', ')}); not rebuilding`);
    return vsix;
  }
  log(`building and packaging SmolCode (${reason}): node scripts/package.mjs --target ${target}`);
  // vsce lists every file it packs on stdout; keep its summary line (the errors go to stderr).
  const stdout = await runChild(process.execPath, ['scripts/package.mjs', '--target', target], { stop, cwd: repoRoot, captureStdout: true });
  if (!existsSync(vsix)) throw new Error(`scripts/package.mjs did not write ${vsix}`);
  log(stdout.trimEnd().split('\n').at(-1) ?? `packaged ${vsix}`);
  return vsix;
}
