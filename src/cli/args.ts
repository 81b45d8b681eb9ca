/**
 * @file A small typed wrapper over node's `parseArgs`, so every subcommand reports bad flags
 * the same way (naming the flag and what it accepts).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ONNX_VARIANTS, type OnnxVariant } from '../model/configTypes';
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

/** Reads a flag that must be a number in [min, max] (or [min, max) with `maxExclusive`); undefined when absent. */
export function rangeFlag(value: string | undefined, flag: string, min: number, max: number, maxExclusive = false): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  const inRange = value.trim() !== '' && n >= min && (maxExclusive ? n < max : n <= max);
  if (!inRange) throw new UsageError(`--${flag} must be a number from ${min} to ${maxExclusive ? 'under ' : ''}${max}, got "${value}"`);
  return n;
}

/** Reads `--dtypes`: a comma-separated list of ONNX variants, each once; `fallback` when absent. */
export function variantsFlag(value: string | undefined, fallback: readonly OnnxVariant[]): OnnxVariant[] {
  if (value === undefined) return [...fallback];
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = items.filter((s) => !(ONNX_VARIANTS as readonly string[]).includes(s));
  if (bad.length > 0 || items.length === 0) throw new UsageError(`--dtypes must be a comma-separated list of ${ONNX_VARIANTS.join(', ')}; got "${value}"`);
  return [...new Set(items as OnnxVariant[])];
}
