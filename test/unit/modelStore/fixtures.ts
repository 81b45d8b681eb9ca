/**
 * @file Shared fixtures for the model store tests: a small SmolLM2-135M layout on the fake hub
 * and store options that retry fast.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoreOptions } from '../../../src/modelStore/modelStore';
import type { FakeHub } from '../../support/hubServer';

export const REPO = 'HuggingFaceTB/SmolLM2-135M';
export const ONNX = 'onnx/model_q4.onnx';

/** The small files of the layout, as regular (non-LFS) files. */
export const SMALL: Record<string, string> = {
  'config.json': '{"model_type":"llama"}',
  'generation_config.json': '{"eos_token_id":0}',
  'tokenizer.json': '{"model":{"type":"BPE"}}',
  'tokenizer_config.json': '{"bos_token":"<|endoftext|>"}',
  'special_tokens_map.json': '{}',
};

/** 64 KiB of random bytes standing in for the ONNX graph, an LFS file. */
export const GRAPH = randomBytes(64 * 1024);

export const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** Serves the layout for `REPO` at `main` (no `_data` file, as for small models). */
export function publishModel(hub: FakeHub): void {
  for (const [file, content] of Object.entries(SMALL)) hub.addFile(REPO, 'main', file, content);
  hub.addFile(REPO, 'main', ONNX, GRAPH, true);
}

const created: string[] = [];

/** A fresh empty folder, removed by `removeTempDirs`. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'smolcode-store-'));
  created.push(dir);
  return dir;
}

/** Removes every folder `tempDir` made. */
export function removeTempDirs(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Store options against `hub` in a fresh folder, with millisecond retries. */
export function storeOptions(hub: FakeHub, extra: Partial<StoreOptions> = {}): StoreOptions {
  return {
    storageDir: tempDir(),
    endpoint: hub.url,
    retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
    timeoutMs: 5000,
    ...extra,
  };
}

/** The GET requests that carried the ONNX file's bytes. */
export function graphGets(hub: FakeHub) {
  return hub.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/cdn/'));
}
