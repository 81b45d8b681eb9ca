/**
 * @file What the bench says about the processor. The model name alone hides what decides the
 * ratios: PyTorch's BLAS and ONNX Runtime's MLAS pick kernels by vendor and vector width (the
 * training section's ours / PyTorch went from 0.99 on an Intel machine with AMX to 1.9-2.3 on
 * a Zen 5 EPYC, family 26), so on Linux the report adds the family, model and widest vector
 * extension from /proc/cpuinfo.
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

export interface CpuInfo {
  readonly model: string;
  /** "family 26 model 2", where the system says. */
  readonly generation?: string;
  /** The widest x86 vector extension ("AVX-512", "AVX2", "AVX") or "NEON" (arm64). */
  readonly vectors?: string;
}

/** Parses /proc/cpuinfo's first processor block; `text` is there for tests. */
export function parseCpuInfo(text: string, model: string): CpuInfo {
  const block = text.split(/\n\s*\n/)[0] ?? '';
  const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(block)?.[1]?.trim();
  const family = field('cpu family');
  const number = field('model');
  const flags = new Set((field('flags') ?? field('Features') ?? '').split(/\s+/));
  const vectors = flags.has('avx512f') ? 'AVX-512' : flags.has('avx2') ? 'AVX2' : flags.has('avx') ? 'AVX' : flags.has('asimd') ? 'NEON' : undefined;
  return {
    model,
    ...(family !== undefined && number !== undefined ? { generation: `family ${family} model ${number}` } : {}),
    ...(vectors ? { vectors } : {}),
  };
}

/** This machine's processor. */
export function cpuInfo(): CpuInfo {
  const model = cpus()[0]?.model ?? 'unknown CPU';
  if (process.platform !== 'linux') return { model };
  try {
    return parseCpuInfo(readFileSync('/proc/cpuinfo', 'utf8'), model);
  } catch {
    return { model };
  }
}

/** "AMD EPYC (family 26 model 2, AVX-512)". */
export function describeCpu(info: CpuInfo): string {
  const details = [info.generation, info.vectors].filter((d) => d !== undefined);
  return details.length === 0 ? info.model : `${info.model} (${details.join(', ')})`;
}
