/**
 * @file llama.cpp as a `speed.ts` runtime: node-llama-cpp's prebuilt CPU build (prepared by
 * scripts/llamacpp/prepare.sh, a bench and test tool, never a dependency of the extension) on
 * GGUF files of the same random weights, written once into the model folder by SmolCode's own
 * exporter (Q4_0 and Q8_0, the types llama.cpp users run). It takes the same token ids and
 * answers the same questions as our engine: time to first token and per-token decode time,
 * and one new token after a cached prompt, so the table compares like with like.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { exportGguf, type GgufExportType } from '../../src/model/ggufExport';
import type { Subject } from './speedSubjects';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The prompts go up to 1,501 tokens; llama.cpp's context is sized as the issue measured it. */
const CONTEXT_SIZE = 2048;
const BATCH_SIZE = 512;

/** The folder holding node-llama-cpp, from $SMOLCODE_LLAMACPP or the prepared cache. */
function llamaCppDir(): string {
  if (process.env.SMOLCODE_LLAMACPP) return process.env.SMOLCODE_LLAMACPP;
  const out = execFileSync('bash', [join(ROOT, 'scripts/llamacpp/prepare.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const dir = /SMOLCODE_LLAMACPP='([^']+)'/.exec(out)?.[1];
  if (!dir) throw new Error('scripts/llamacpp/prepare.sh did not print SMOLCODE_LLAMACPP');
  return dir;
}

/** `modelDir`'s weights as a GGUF of `type`, written on first use beside its ONNX files. */
export async function benchGguf(modelDir: string, type: GgufExportType): Promise<string> {
  const path = join(modelDir, 'gguf', `model-${type}.gguf`);
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    await exportGguf({ modelDir, out: path, type, name: 'smolcode-bench' });
  }
  return path;
}

// The slice of node-llama-cpp's API used here (it is loaded from the prepared folder at run time).
interface Sequence {
  readonly nextTokenIndex: number;
  evaluate(tokens: number[], options?: { temperature?: number }): AsyncGenerator<number, void, void>;
  evaluateWithoutGeneratingNewTokens(tokens: number[]): Promise<void>;
  eraseContextTokenRanges(ranges: { start: number; end: number }[]): Promise<void>;
  clearHistory(): Promise<void>;
}
interface Context {
  getSequence(): Sequence;
  dispose(): Promise<void>;
}
interface Model {
  createContext(options: { contextSize: number; batchSize: number; threads: number; flashAttention?: boolean }): Promise<Context>;
  dispose(): Promise<void>;
}
interface Llama {
  loadModel(options: { modelPath: string }): Promise<Model>;
  dispose(): Promise<void>;
}

/** llama.cpp on `modelDir`'s weights as `type`, with `threads` threads. */
export async function loadLlamaCpp(modelDir: string, type: GgufExportType, threads: number): Promise<Subject> {
  const gguf = await benchGguf(modelDir, type);
  const entry = join(llamaCppDir(), 'node_modules', 'node-llama-cpp', 'dist', 'index.js');
  const { getLlama } = (await import(pathToFileURL(entry).href)) as { getLlama(options: object): Promise<Llama> };
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
  const model = await llama.loadModel({ modelPath: gguf });
  const context = await model.createContext({ contextSize: CONTEXT_SIZE, batchSize: BATCH_SIZE, threads });
  const sequence = context.getSequence();
  let baseLength = 0;
  return {
    async run(ids, newTokens) {
      await sequence.clearHistory();
      const start = performance.now();
      let first = 0;
      let count = 0;
      for await (const token of sequence.evaluate([...ids], { temperature: 0 })) {
        void token;
        count++;
        if (count === 1) first = performance.now();
        if (count >= newTokens) break;
      }
      const end = performance.now();
      return { ttftMs: first - start, perTokenMs: (end - first) / Math.max(count - 1, 1), promptTokens: ids.length };
    },
    async prepareKeystroke(base) {
      await sequence.clearHistory();
      await sequence.evaluateWithoutGeneratingNewTokens([...base]);
      baseLength = base.length;
    },
    async keystroke(ids) {
      const start = performance.now();
      let ms = 0;
      for await (const token of sequence.evaluate(ids.slice(baseLength), { temperature: 0 })) {
        void token;
        ms = performance.now() - start;
        break;
      }
      // Back to the base, untimed, so every keystroke starts from the same cache.
      await sequence.eraseContextTokenRanges([{ start: baseLength, end: sequence.nextTokenIndex }]);
      return { ms, newTokens: ids.length - baseLength };
    },
    async dispose() {
      await context.dispose();
      await model.dispose();
      await llama.dispose();
    },
  };
}
