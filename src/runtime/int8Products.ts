/**
 * @file Whether this processor's int8 matrix products clip. On x86 without VNNI, ONNX Runtime's
 * MLAS multiplies unsigned by signed bytes (DynamicQuantizeMatMul, MatMulInteger) through 16-bit
 * sums of pairs that saturate at 32767, so int8 graphs can go badly wrong there. The session
 * option `session.x64quantprecision` makes ONNX Runtime store such weights as unsigned bytes
 * instead (exact, slower), but it also converts them where nothing clips: on this Zen 5 with
 * AVX-512 VNNI it cost prompts in int8 about 15% of their speed and 60 MB. So a tiny product is
 * run once per process and the option is set only where it clips.
 */
import { DataType, GraphBuilder } from '../graph/graphBuilder';
import { encodeOnnxModel } from '../graph/onnxWriter';
import type * as OrtModule from 'onnxruntime-node';

// The module itself, not session.ts's alias: session.ts imports this file.
type Ort = typeof OrtModule;

const ROWS = 4;
const DEPTH = 64;
const COLUMNS = 16;
/** 255 · 127 summed over the depth; clipped pairs give 32767 per pair instead. */
export const EXACT_PRODUCT = 255 * 127 * DEPTH;
export const CLIPPED_PRODUCT = 32767 * (DEPTH / 2);

let probe: Promise<number> | undefined;

/** One element of all-255 u8 rows times all-127 s8 columns through MatMulInteger on the CPU. */
export function int8ProbeProduct(runtime: Ort): Promise<number> {
  probe ??= (async () => {
    const g = new GraphBuilder('int8_probe');
    const a = g.input('a', DataType.uint8, [ROWS, DEPTH]);
    const b = g.initializer('b', DataType.int8, [DEPTH, COLUMNS], () => new Uint8Array(DEPTH * COLUMNS).fill(127));
    g.node('MatMulInteger', [a, b], {}, { outputNames: ['y'] });
    g.output('y', DataType.int32, [ROWS, COLUMNS]);
    // No cache and no other option: this is what the session options are chosen from.
    const session = await runtime.InferenceSession.create(encodeOnnxModel(g), { executionProviders: ['cpu'], intraOpNumThreads: 1 });
    try {
      const feeds = { a: new runtime.Tensor('uint8', new Uint8Array(ROWS * DEPTH).fill(255), [ROWS, DEPTH]) };
      return Number((await session.run(feeds)).y!.data[0]);
    } finally {
      await session.release();
    }
  })();
  return probe;
}

/** Whether int8 products clip on this processor (see the file header); assumed so if the probe cannot run. */
export async function int8ProductsClip(runtime: Ort): Promise<boolean> {
  try {
    return (await int8ProbeProduct(runtime)) !== EXACT_PRODUCT;
  } catch {
    return true;
  }
}
