/**
 * @file The extension's GGUF imports on the real SmolLM2-135M-Instruct file: one model folder per
 * file content (named by its SHA-256), found again without hashing or importing, reached through
 * another path to the same bytes, extended with a variant a later dtype asks for, shared by two
 * concurrent requests, and left absent by a cancel.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ensureImportedGguf, findImportedGguf, isGgufPath, type GgufImportProgress } from '../../../src/modelStore/ggufImports';
import { preparedGguf } from '../../support/realModel';

const root = mkdtempSync(join(tmpdir(), 'smolcode-gguf-imports-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** Progress messages of one call. */
function recorder(): { messages: string[]; onProgress: (p: GgufImportProgress) => void } {
  const messages: string[] = [];
  return { messages, onProgress: (p) => messages.push(p.message) };
}

const sha256Of = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('GGUF imports cached by content', () => {
  it('imports once into gguf/<sha256>, then finds it without hashing or importing; another path to the same bytes shares it', async (t) => {
    const gguf = preparedGguf(t);
    if (!gguf) return;
    const storageDir = join(root, 'storage');
    const sha256 = sha256Of(gguf);
    const first = recorder();
    const imported = await ensureImportedGguf({ storageDir, gguf, dtype: 'fp16' }, first.onProgress);
    assert.deepEqual(imported, { dir: join(storageDir, 'gguf', sha256), sha256, variant: 'fp16' });
    assert.ok(existsSync(join(imported.dir, 'onnx', 'model_fp16.onnx')));
    assert.ok(existsSync(join(imported.dir, 'tokenizer.json')));
    assert.equal(first.messages[0], 'checking the file');
    assert.ok(first.messages.some((m) => m.startsWith('dequantizing 272 tensors')), first.messages.join('\n'));

    const again = recorder();
    assert.deepEqual(await ensureImportedGguf({ storageDir, gguf, dtype: 'fp16' }, again.onProgress), imported);
    assert.deepEqual(again.messages, []);
    assert.deepEqual(findImportedGguf({ storageDir, gguf, dtype: 'fp16' }), imported);
    assert.equal(findImportedGguf({ storageDir, gguf, dtype: 'q4' }), undefined);

    const link = join(root, 'ollama-blob');
    symlinkSync(gguf, link);
    const viaLink = recorder();
    assert.deepEqual(await ensureImportedGguf({ storageDir, gguf: link, dtype: 'fp16' }, viaLink.onProgress), imported);
    assert.deepEqual([...new Set(viaLink.messages)], ['checking the file']);
    assert.deepEqual(readdirSync(join(storageDir, 'gguf')).sort(), [sha256, 'hashes.json'].sort());
  });

  it('adds the variant a later dtype needs to the same folder (q4f16 loads q4), once for two concurrent requests', async (t) => {
    const gguf = preparedGguf(t);
    if (!gguf) return;
    const storageDir = join(root, 'storage');
    const [a, b] = [recorder(), recorder()];
    const both = await Promise.all([ensureImportedGguf({ storageDir, gguf, dtype: 'q4f16' }, a.onProgress), ensureImportedGguf({ storageDir, gguf, dtype: 'q4' }, b.onProgress)]);
    assert.deepEqual(both.map((i) => i.variant), ['q4', 'q4']);
    assert.equal(both[0].dir, both[1].dir);
    const writes = [...a.messages, ...b.messages].filter((m) => m === 'writing the q4 graph');
    assert.equal(writes.length, 1);
    const onnx = readdirSync(join(both[0].dir, 'onnx')).sort();
    assert.deepEqual(onnx, ['model_fp16.onnx', 'model_q4.onnx', 'model_q4_fused.onnx', 'model_q4_fused_matmul.onnx']);
    assert.deepEqual(readdirSync(join(storageDir, 'gguf')).filter((n) => n.startsWith('.')), []);
  });

  it('leaves no folder when cancelled, and imports in full next time', async (t) => {
    const gguf = preparedGguf(t);
    if (!gguf) return;
    const storageDir = join(root, 'cancelled');
    const controller = new AbortController();
    const seen: string[] = [];
    await assert.rejects(
      ensureImportedGguf({ storageDir, gguf, dtype: 'fp16' }, (p) => {
        seen.push(p.message);
        if (p.message.startsWith('dequantized')) controller.abort();
      }, controller.signal),
      { name: 'AbortError' },
    );
    assert.ok(seen.some((m) => m.startsWith('dequantized')), seen.join('\n'));
    assert.deepEqual(readdirSync(join(storageDir, 'gguf')), ['hashes.json']);
    const imported = await ensureImportedGguf({ storageDir, gguf, dtype: 'fp16' });
    assert.ok(existsSync(join(imported.dir, 'onnx', 'model_fp16.onnx')));
  });

  it('tells a GGUF setting from a model folder: a .gguf name, or any file (Ollama blobs have no extension)', () => {
    const blob = join(root, `sha256-${'c'.repeat(64)}`);
    writeFileSync(blob, 'GGUF');
    assert.deepEqual([blob, join(root, 'later.GGUF'), root, join(root, 'absent-folder'), '  '].map(isGgufPath), [true, true, false, false, false]);
  });

  it('names a missing file and the setting it came from', async () => {
    await assert.rejects(ensureImportedGguf({ storageDir: join(root, 'none'), gguf: join(root, 'absent.gguf'), dtype: 'q4' }), /absent\.gguf: no such GGUF file \(setting smolcode\.localModelPath\)/);
  });
});
