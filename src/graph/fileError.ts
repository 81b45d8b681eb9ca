/**
 * @file The error of a file that cannot be used: its message starts with the file's path, so
 * a user knows which file to fix, and each kind (config.json, safetensors, adapter) is a
 * subclass with its own `name` for callers that tell them apart.
 */
import { readFileSync } from 'node:fs';

/** A problem with `file`; subclasses set `name`. */
export class FileError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

/** Reads `path` as JSON; an unreadable or malformed file throws `ErrorType` naming it. */
export function readJsonFile(path: string, ErrorType: new (file: string, problem: string) => FileError = FileError): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ErrorType(path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ErrorType(path, `is not valid JSON (${(error as Error).message})`);
  }
}
