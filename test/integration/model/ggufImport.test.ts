/**
 * @file Importing GGUF files: the real SmolLM2-135M-Instruct (its config, its rebuilt tokenizer
 * against the released tokenizer files, a model folder the engine runs, the native decode step
 * over its own blocks), and broken or foreign
 * files refused by name with nothing left behind.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { GgufFile } from '../../../src/graph/gguf/ggufFile';
import { readModelConfig } from '../../../src/model/config';
import { importGguf, tensorTypeCensus } from '../../../src/model/ggufImport';
import { Engine } from '../../../src/runtime/engine';
import { openOrtModel, runOrt } from '../../support/ortModel';
import { ggufBytes, type GgufMetadataEntry } from '../../../src/graph/gguf/ggufWriter';
import { importedModel, preparedGguf } from '../../support/realModel';
import { TOKENIZER_DIR } from '../../support/tokenizer';
import { saveAdapter } from '../../../src/finetune/adapter';
import { Rng } from '../../../src/graph/rng';
import { mergeAdapter } from '../../../src/finetune/merge';
import { loraModules, type LoraConfig } from '../../../src/model/lora';
import { cachedFusedGraph } from '../../../src/runtime/fusedGraphCache';
import { writeFusedGraph } from '../../../src/model/modelFolder';
import { FusedLmSession } from '../../../src/runtime/fusedSession';
import { NativeDecoder } from '../../../src/runtime/nativeDecoder';
import onnxProto from 'onnx-proto';

const root = mkdtempSync(join(tmpdir(), 'smolcode-gguf-import-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** Token ids of the real vocabulary, special ones among them, for comparing the logits of graphs. */
const PROMPT_IDS = [1604, 803, 24, 81, 28, 278, 727, 472, 1003, 198, 2, 1, 4093, 198];

/** The logits of `PROMPT_IDS` in one pass of the ONNX file at `path`. */
async function logits(path: string): Promise<Float32Array> {
  const ids = PROMPT_IDS;
  const model = await openOrtModel(path);
  try {
    return (await runOrt(model, [ids], [ids.map(() => 1)], [ids.map((_, i) => i)])).logits;
  } finally {
    await model.session.release();
  }
}

async function tokenizerOf(dir: string) {
  const { AutoTokenizer, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  return AutoTokenizer.from_pretrained(dir);
}

/** Source files of this repository and text with special tokens, digits and non-ASCII: the corpus the tokenizers must agree on. */
function corpus(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) files.push(readFileSync(path, 'utf8'));
    }
  };
  walk('src');
  return [...files, '<|im_start|>user\n12345 + 678 = ?<|im_end|>', '<repo_name>x<file_sep>a.py\nprint("héllo wörld 🎉")\n', '  \t\n\n   trailing   '];
}

describe('GGUF import of the real SmolLM2-135M-Instruct', () => {
  it('rebuilds config.json from the metadata as the released config has it', async (t) => {
    const gguf = preparedGguf(t);
    if (!gguf) return;
    const file = GgufFile.open(gguf);
    try {
      assert.deepEqual(tensorTypeCensus(file), { Q8_0: 1, F32: 61, Q4_1: 210 });
    } finally {
      file.close();
    }
    const ours = readModelConfig(join(await importedModel(gguf), 'config.json'));
    const released = readModelConfig(join(TOKENIZER_DIR, 'config.SmolLM2-135M.json'));
    assert.deepEqual({ ...ours, initializerRange: 0 }, { ...released, initializerRange: 0 });
  });

  it('rebuilds a tokenizer that encodes and renders chats exactly as the released one', async (t) => {
    const gguf = preparedGguf(t);
    if (!gguf) return;
    const ours = await tokenizerOf(await importedModel(gguf));
    const released = await tokenizerOf(TOKENIZER_DIR);
    const texts = corpus();
    assert.ok(texts.length > 100);
    for (const text of texts) assert.deepEqual(ours.encode(text, { add_special_tokens: false }), released.encode(text, { add_special_tokens: false }));
    const chats = [
      [{ role: 'user', content: 'Explain this function.' }],
      [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Fix: `x = [1, 2' },
        { role: 'assistant', content: '`x = [1, 2]`' },
        { role: 'user', content: 'Thanks' },
      ],
    ];
    for (const chat of chats) {
      for (const add_generation_prompt of [true, false]) {
        assert.equal(ours.apply_chat_template(chat, { tokenize: false, add_generation_prompt }), released.apply_chat_template(chat, { tokenize: false, add_generation_prompt }));
      }
    }
  });

  it("builds q4 from the file's own Q4_1 blocks: its logits equal fp32's (quantizing again drifts)", async (t) => {
    const gguf = preparedGguf(t);
    if (!gguf) return;
    const own = await importedModel(gguf, ['fp32', 'q4']);
    const again = join(root, 'requantized');
    await importGguf({ gguf, outDir: again, variants: ['q4'], fused: false, quantizeAgain: true });
    const fp32 = await logits(join(own, 'onnx', 'model.onnx'));
    const drift = (other: Float32Array) => other.reduce((worst, v, i) => Math.max(worst, Math.abs(v - fp32[i])), 0);
    const largest = fp32.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const ownDrift = drift(await logits(join(own, 'onnx', 'model_q4.onnx')));
    const againDrift = drift(await logits(join(again, 'onnx', 'model_q4.onnx')));
    t.diagnostic(`q4 logit drift from fp32 over ${PROMPT_IDS.length} positions: own blocks ${ownDrift.toExponential(2)}, quantized again ${againDrift.toFixed(2)} (largest logit ${largest.toFixed(1)})`);
    assert.ok(ownDrift <= 1e-4 * largest, `own blocks drift ${ownDrift}`);
    assert.ok(againDrift > 100 * ownDrift);
  });

  it("keeps the file's own blocks when an adapter is merged into the import: q4 gives the fp32 merge's logits", async (t) => {
    const gguf = preparedGguf(t);
    if (!gguf) return;
    const own = await importedModel(gguf, ['fp32', 'q4']);
    const config = readModelConfig(join(own, 'config.json'));
    const lora: LoraConfig = { rank: 2, alpha: 4, targets: ['q_proj', 'v_proj', 'down_proj'], useRslora: false };
    const rng = new Rng(5);
    const random = (count: number, scale: number) => Float32Array.from({ length: count }, () => (rng.next() * 2 - 1) * scale);
    const weights = new Map(loraModules(config, lora).flatMap((m) => [[m.a, random(m.aShape[0] * m.aShape[1], 0.05)], [m.b, random(m.bShape[0] * m.bShape[1], 0.05)]] as const));
    const adapterDir = join(root, 'adapter');
    mkdirSync(adapterDir, { recursive: true });
    saveAdapter(adapterDir, { lora, baseModel: own, weights });
    mergeAdapter({ modelDir: own, adapterDir, variants: ['fp32', 'q4'], fused: false });
    const largestDiff = (a: Float32Array, b: Float32Array) => a.reduce((worst, v, i) => Math.max(worst, Math.abs(v - b[i])), 0);
    // The float merge is exact (the import's floats are its blocks dequantized): q4 must give its logits.
    const fp32 = await logits(join(adapterDir, 'onnx', 'model.onnx'));
    const q4 = await logits(join(adapterDir, 'onnx', 'model_q4.onnx'));
    const base = await logits(join(own, 'onnx', 'model_q4.onnx'));
    const largest = fp32.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const drift = largestDiff(q4, fp32);
    const moved = largestDiff(base, fp32);
    t.diagnostic(`merged q4 vs merged fp32: largest |difference| ${drift.toExponential(2)}; the update moved the logits by up to ${moved.toFixed(2)} (largest logit ${largest.toFixed(1)})`);
    assert.ok(moved > 0.5, `the update should move the logits (by ${moved})`);
    assert.ok(drift <= 1e-4 * largest, `merged q4 drifts ${drift} from the fp32 merge`);
  });

  it("builds an import's int8 prompt graph over the file's own table blocks, as its q4 graph reads them", async (t) => {
    const gguf = preparedGguf(t);
    if (!gguf) return;
    const own = await importedModel(gguf, ['fp32', 'q4']);
    const built = cachedFusedGraph(own, 'int8', 'prompt', join(root, 'prompt-cache'));
    assert.ok(built.path, 'reason' in built ? built.reason : '');
    const names = new Set(onnxProto.onnx.ModelProto.decode(readFileSync(built.path)).graph!.initializer!.map((i) => i.name ?? ''));
    // The file's token_embd is Q8_0: recovered from the import's floats, not quantized to 4 bits again, nor kept as a float table.
    assert.ok(names.has('lm_head.weight_Q8'), `initializers: ${[...names].filter((n) => n.startsWith('lm_head') || n.startsWith('model.embed')).join(', ')}`);
    assert.ok(!names.has('lm_head.weight_Q4') && !names.has('model.embed_tokens.weight'));
  });

  it("builds an import's q4 matmul graph with a cache type asked for over the file's own blocks, not rounded again", async (t) => {
    const gguf = preparedGguf(t);
    if (!gguf) return;
    const own = await importedModel(gguf, ['fp32', 'q4']);
    const built = cachedFusedGraph(own, 'q4', 'matmul', join(root, 'kv-cache'), 'int8');
    assert.ok(built.path, 'reason' in built ? built.reason : '');
    // The same graph from the floats rounded to 4 bits again, for scale.
    const again = join(root, 'kv-cache', 'again.onnx');
    writeFusedGraph(own, 'q4', again, { attention: 'matmul' });
    const plain = await logits(join(own, 'onnx', 'model_q4.onnx'));
    const drift = async (path: string) => {
      const session = (await FusedLmSession.open(path, { device: 'cpu', threads: 1, optimizedModelDir: '' }, 8192, 30)) as FusedLmSession;
      try {
        assert.equal(session.kvGeometry.type, 'int8');
        const last = (await session.step(PROMPT_IDS, session.emptyKv(64))).logits;
        const reference = plain.subarray((PROMPT_IDS.length - 1) * last.length);
        return last.reduce((worst, v, i) => Math.max(worst, Math.abs(v - reference[i]!)), 0);
      } finally {
        await session.dispose();
      }
    };
    const [ownDrift, againDrift] = [await drift(built.path), await drift(again)];
    t.diagnostic(`fused q4 (int8 activations) vs the import's plain q4, last position: built over its own blocks ${ownDrift.toFixed(2)}, over floats rounded again ${againDrift.toFixed(2)}`);
    // int8 activations alone move the real model's logits by about 3.7 (the import's own fused graph too); rounding again by 9.
    assert.ok(ownDrift < 0.6 * againDrift, `own blocks drift ${ownDrift}, rounded again ${againDrift}`);
  });

  it("runs token by token in the native decode step over the file's own Q4_1 blocks and Q8_0 table, as close to the plain q4 graph as ONNX Runtime's step", async (t) => {
    const gguf = preparedGguf(t);
    if (!gguf) return;
    const own = await importedModel(gguf, ['fp32', 'q4']);
    const built = cachedFusedGraph(own, 'q4', 'matmul', join(root, 'kv-cache'), 'int8');
    assert.ok(built.path, 'reason' in built ? built.reason : '');
    const plain = await logits(join(own, 'onnx', 'model_q4.onnx'));
    const decoder = NativeDecoder.open(own, 2);
    // Q4_1 keeps a float16 minimum per block (5 bits per weight), the Q8_0 table a byte per weight and a scale per 32.
    assert.equal(decoder.weightBytes, 30 * (576 * 960 + 576 * 576 + 3 * 1536 * 576) * (20 / 32) + 49152 * 576 * (18 / 32) + 49152 * 576 * (36 / 32));
    const drift = async (native: boolean) => {
      const session = (await FusedLmSession.open(built.path!, { device: 'cpu', threads: 2, optimizedModelDir: '' }, 8192, 30)) as FusedLmSession;
      if (native) assert.equal(session.useNativeDecoder(decoder), undefined);
      try {
        let kv = session.emptyKv(64);
        let worst = 0;
        for (const [position, id] of PROMPT_IDS.entries()) {
          const out = await session.step([id], kv);
          kv = out.kv;
          const reference = plain.subarray(position * out.logits.length, (position + 1) * out.logits.length);
          worst = Math.max(worst, out.logits.reduce((w, v, i) => Math.max(w, Math.abs(v - reference[i]!)), 0));
        }
        return worst;
      } finally {
        // Disposing the session releases the decoder it runs.
        await session.dispose();
      }
    };
    const [ortDrift, nativeDrift] = [await drift(false), await drift(true)];
    t.diagnostic(`token by token against the import's plain q4 graph, largest logit difference over ${PROMPT_IDS.length} positions: ONNX Runtime's step ${ortDrift.toFixed(2)}, native ${nativeDrift.toFixed(2)}`);
    assert.ok(nativeDrift < 1.25 * ortDrift, `native drifts ${nativeDrift}, ORT ${ortDrift}`);
  });

  it('stops when cancelled, reporting progress until then, and leaves no output folder', async (t) => {
    const gguf = preparedGguf(t);
    if (!gguf) return;
    const out = join(root, 'cancelled');
    const controller = new AbortController();
    const messages: string[] = [];
    const onProgress = (message: string) => {
      messages.push(message);
      controller.abort();
    };
    await assert.rejects(importGguf({ gguf, outDir: out, onProgress, signal: controller.signal }), { name: 'AbortError' });
    assert.deepEqual(messages, ['dequantizing 272 tensors (1 Q8_0, 61 F32, 210 Q4_1)']);
    assert.equal(existsSync(out), false);
    assert.deepEqual(readdirSync(root).filter((n) => n.includes('.partial-')), []);
  });

  it('runs in the engine: greedy code and a chat answer that ends by itself', async (t) => {
    const gguf = preparedGguf(t);
    if (!gguf) return;
    const engine = await Engine.load({ modelDir: await importedModel(gguf), dtype: 'fp32', device: 'cpu', threads: 2 });
    try {
      const code = await engine.complete({ slot: 'code', prompt: 'def add(a, b):\n    return', maxNewTokens: 8 });
      assert.match(code.text, /a\s*\+\s*b/);
      const chat = await engine.complete({ slot: 'chat', prompt: { messages: [{ role: 'user', content: 'What is 2 + 2? Answer with the number only.' }] }, maxNewTokens: 32 });
      assert.equal(chat.finishReason, 'eos');
      assert.match(chat.text, /4/);
    } finally {
      await engine.dispose();
    }
  });
});

describe('GGUF import refuses what it cannot import', () => {
  const base: Record<string, GgufMetadataEntry> = {
    'general.architecture': { type: 8, value: 'llama' },
    'llama.embedding_length': { type: 4, value: 64 },
    'llama.feed_forward_length': { type: 4, value: 128 },
    'llama.block_count': { type: 4, value: 1 },
    'llama.attention.head_count': { type: 4, value: 4 },
    'llama.context_length': { type: 4, value: 256 },
    'llama.vocab_size': { type: 4, value: 32 },
  };

  async function attempt(name: string, metadata: Record<string, GgufMetadataEntry>): Promise<{ error: Error; out: string }> {
    const path = join(root, `${name}.gguf`);
    writeFileSync(path, ggufBytes(metadata, []));
    const out = join(root, `${name}-out`);
    try {
      await importGguf({ gguf: path, outDir: out });
    } catch (error) {
      return { error: error as Error, out };
    }
    throw new Error('the import succeeded');
  }

  it('names a non-Llama architecture, and leaves no output folder', async () => {
    const { error, out } = await attempt('qwen', { ...base, 'general.architecture': { type: 8, value: 'qwen2' }, 'general.name': { type: 8, value: 'Qwen2.5 0.5B' } });
    assert.match(error.message, /qwen\.gguf: the model is a "qwen2" architecture \(Qwen2\.5 0\.5B\); SmolCode imports Llama models \(SmolLM2\) only$/);
    assert.equal(existsSync(out), false);
    assert.deepEqual(readdirSync(root).filter((n) => n.includes('.partial-')), []);
  });

  it('names a missing tokenizer', async () => {
    const { error } = await attempt('notok', base);
    assert.match(error.message, /notok\.gguf: tokenizer model null is not supported/);
    const { error: noTokens } = await attempt('nolist', { ...base, 'tokenizer.ggml.model': { type: 8, value: 'gpt2' }, 'tokenizer.ggml.pre': { type: 8, value: 'smollm' } });
    assert.match(noTokens.message, /the metadata has no tokenizer \(tokenizer\.ggml\.tokens is missing/);
  });

  it('refuses to write into a folder that has files', async () => {
    const out = join(root, 'occupied');
    mkdirSync(out);
    writeFileSync(join(out, 'keep.txt'), 'mine');
    await assert.rejects(importGguf({ gguf: join(root, 'anything.gguf'), outDir: out }), /occupied already exists and is not empty/);
    assert.equal(readFileSync(join(out, 'keep.txt'), 'utf8'), 'mine');
  });
});
