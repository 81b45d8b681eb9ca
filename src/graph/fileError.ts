/**
 * @file The error of a file that cannot be used: its message starts with the file's path, so
 * a user knows which file to fix, and each kind (config.json, safetensors, adapter) is a
 * subclass with its own `name` for callers that tell them apart.
 */

/** A problem with `file`; subclasses set `name`. */
export class FileError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}
