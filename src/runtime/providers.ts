/**
 * @file Which ONNX Runtime execution providers to try for a `smolcode.device` setting, in
 * order. Pure logic: the session module tries them and records why each one failed.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import type { FusedAttention } from '../model/configTypes';

/** Where the engine runs (`smolcode.device`): `auto` tries the platform's accelerators first. */
export const DEVICES = ['auto', 'cpu', 'webgpu', 'cuda', 'dml', 'coreml'] as const;
export type Device = (typeof DEVICES)[number];

/** An ONNX Runtime execution provider name as `executionProviders` takes it. */
export type ProviderName = 'cpu' | 'webgpu' | 'cuda' | 'dml' | 'coreml';

/** A provider to try, or a reason it was skipped without trying. */
export type Candidate = { readonly provider: ProviderName } | { readonly skipped: ProviderName; readonly reason: string };

/** Whether onnxruntime-node's optional CUDA provider library was installed (npm run install:cuda). */
export function cudaProviderInstalled(): boolean {
  try {
    const ortRoot = dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
    return existsSync(join(ortRoot, 'bin', 'napi-v6', 'linux', 'x64', 'libonnxruntime_providers_cuda.so'));
  } catch {
    return false;
  }
}

/**
 * Providers to try for `device` on `platform`. `auto` tries the accelerators that platform's
 * onnxruntime-node can use, then CPU. WebGPU is only tried in `auto` on Windows and macOS: on
 * Linux, Dawn may pick a software (CPU-emulated) adapter that is slower than ORT's own CPU
 * kernels, so users opt in by choosing `webgpu`.
 */
export function providerCandidates(device: Device, platform: NodeJS.Platform, cudaInstalled: boolean): Candidate[] {
  if (device === 'cpu') return [{ provider: 'cpu' }];
  if (device !== 'auto') return [{ provider: device }, { provider: 'cpu' }];
  const candidates: Candidate[] = [];
  if (platform === 'linux') {
    candidates.push(cudaInstalled ? { provider: 'cuda' } : { skipped: 'cuda', reason: 'CUDA provider not installed (npm run install:cuda)' });
  }
  if (platform === 'win32') candidates.push({ provider: 'dml' });
  if (platform === 'darwin') candidates.push({ provider: 'coreml' });
  if (platform === 'win32' || platform === 'darwin') candidates.push({ provider: 'webgpu' });
  else candidates.push({ skipped: 'webgpu', reason: 'not tried automatically on Linux (may be a software adapter); choose it explicitly' });
  candidates.push({ provider: 'cpu' });
  return candidates;
}

/**
 * The attention of the fused graph to run for `device`: `matmul` (engine-owned caches, the faster
 * one on CPU) when the CPU is the first provider tried, else `gqa`, whose `present.*` outputs let
 * WebGPU keep the cache in GPU memory. A session that falls back to the CPU runs the GQA graph
 * correctly, only slower.
 */
export function fusedAttentionFor(device: Device, platform: NodeJS.Platform, cudaInstalled: boolean): FusedAttention {
  return cpuFirst(device, platform, cudaInstalled) ? 'matmul' : 'gqa';
}

/** Whether the CPU is the first provider tried for `device` on `platform`. */
export function cpuFirst(device: Device, platform: NodeJS.Platform, cudaInstalled: boolean): boolean {
  const first = providerCandidates(device, platform, cudaInstalled).find((c) => 'provider' in c);
  return first !== undefined && 'provider' in first && first.provider === 'cpu';
}
