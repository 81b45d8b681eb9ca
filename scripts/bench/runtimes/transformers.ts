/**
 * @file Stock transformers.js as a benchmark runtime: `AutoModelForCausalLM.from_pretrained`
 * on the same folder and ONNX file, then `model.generate` (greedy, `min_new_tokens` equal to
 * `max_new_tokens` so end-of-sequence never stops it). It has no cache reuse across calls:
 * every call runs the whole prompt. The time to the first token comes from a streamer, whose
 * second `put` is the first generated token.
 */
import '../../../src/runtime/telemetry';
import type * as TransformersModule from '@huggingface/transformers';
import { fusedVariantFile, type FusedVariant } from '../../../src/model/configTypes';
import type { BenchRuntime, GenerationTiming, LoadedModel } from './runtime';

type Transformers = typeof TransformersModule;
type CausalLm = Awaited<ReturnType<Transformers['AutoModelForCausalLM']['from_pretrained']>>;
type Streamer = NonNullable<Parameters<CausalLm['generate']>[0]['streamer']>;

class TransformersModel implements LoadedModel {
  constructor(
    private readonly lib: Transformers,
    private readonly model: CausalLm,
  ) {}

  async generate(prompt: { readonly ids: readonly number[] }, newTokens: number): Promise<GenerationTiming> {
    const { Tensor, BaseStreamer } = this.lib;
    const n = prompt.ids.length;
    let puts = 0;
    let firstTokenAt = 0;
    class Clock extends BaseStreamer {
      override put(): void {
        // The first put is the prompt itself.
        if (puts++ === 1) firstTokenAt = performance.now();
      }
      override end(): void {}
    }
    const start = performance.now();
    await this.model.generate({
      input_ids: new Tensor('int64', BigInt64Array.from(prompt.ids, BigInt), [1, n]),
      attention_mask: new Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]),
      max_new_tokens: newTokens,
      min_new_tokens: newTokens,
      do_sample: false,
      // The declared type is TextStreamer's; generate only calls put and end.
      streamer: new Clock() as unknown as Streamer,
    });
    const end = performance.now();
    return { timeToFirstTokenMs: (firstTokenAt || end) - start, totalMs: end - start, tokens: Math.max(puts - 1, 0) };
  }

  async dispose(): Promise<void> {
    await this.model.dispose();
  }
}

let lib: Transformers | undefined;

/** transformers.js on its CPU device, with ONNX Runtime's intra-op threads set like ours. */
export const transformersRuntime: BenchRuntime = {
  supportsReuse: false,
  async warmUp() {
    lib = await import('@huggingface/transformers');
    lib.env.allowRemoteModels = false;
  },
  async load(modelDir, dtype, threads, graph) {
    if (!lib) await this.warmUp();
    const loaded = lib as Transformers;
    const model = await loaded.AutoModelForCausalLM.from_pretrained(modelDir, {
      // transformers.js opens `onnx/<model_file_name><dtype suffix>.onnx`; a fused file is named
      // in full, with the empty suffix of fp32.
      ...(graph === 'fused' ? { dtype: 'fp32', model_file_name: fusedVariantFile(dtype as FusedVariant).replace(/\.onnx$/, '') } : { dtype: dtype as 'fp32' | 'q4' }),
      device: 'cpu',
      // Passed through to InferenceSession.create (models/session.js getSession).
      session_options: { intraOpNumThreads: threads },
    });
    return new TransformersModel(loaded, model);
  },
};
