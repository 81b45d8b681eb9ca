/**
 * @file A small typed wrapper over node's `parseArgs`, so every subcommand reports bad flags
 * the same way (naming the flag and what it accepts).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './command';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses `args` strictly; unknown flags and missing values become a `UsageError`. Positionals only where `positionals` allows them. */
export function parseFlags<T extends Options>(args: readonly string[], options: T, positionals = false) {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: positionals });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Reads a flag that must be a non-negative integer, naming the flag when it is not. */
export function intFlag(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${flag} must be a non-negative integer, got "${value}"`);
  return n;
}

/** Reads a flag whose value must be one of `allowed`. */
export function choiceFlag<C extends string>(value: string | undefined, flag: string, allowed: readonly C[], fallback: C): C {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`--${flag} must be one of ${allowed.join(', ')}; got "${value}"`);
  }
  return value as C;
}
