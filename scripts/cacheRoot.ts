/**
 * @file The one folder every cache of the project's tests and benchmarks lives under:
 * `${XDG_CACHE_HOME:-$HOME/.cache}/smolcode/` (e2e/ code-server, python/ venv, bench/ models).
 * The shell preparers compute the same path; pointing XDG_CACHE_HOME at an empty folder (with
 * npm_config_cache and PIP_CACHE_DIR beside it) reproduces a new machine.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

/** `${XDG_CACHE_HOME:-$HOME/.cache}/smolcode`, joined with `parts`. */
export function cacheRoot(...parts: string[]): string {
  const xdg = process.env.XDG_CACHE_HOME?.trim();
  return join(xdg ? xdg : join(homedir(), '.cache'), 'smolcode', ...parts);
}
