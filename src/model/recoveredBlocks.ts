/**
 * @file A `WeightSource` whose quantized graphs use the blocks its floats were dequantized from
 * (graph/gridBlocks.ts): a GGUF import's model.safetensors gives back the GGUF's own Q4_0, Q4_1
 * and Q8_0 blocks, so a graph built from it later (an adapter merged into the import) holds the
 * weights the import's own q4 graph holds, not a second rounding of them. Floats on no grid (a
 * hub checkpoint) are quantized by the graph as before.
 */
import { recoverGridBlocks } from '../graph/gridBlocks';
import type { QuantBits } from '../graph/quantize';
import type { WeightSource } from './weights';

/**
 * `weights` answering `quantized` from the grid its floats lie on, when weight `probe` lies on
 * one (a checkpoint dequantized from blocks); else `weights` itself, so a float checkpoint's
 * graphs are built exactly as before (a tied table, for one, is looked up in the head's blocks
 * only when the checkpoint has no blocks of its own).
 */
export function withRecoveredBlocks(weights: WeightSource, probe: string): WeightSource {
  if (weights.quantized || !weights.has(probe)) return weights;
  const [n, k] = weights.shape(probe);
  if (!recoverGridBlocks(weights.read(probe), n, k, 4) && !recoverGridBlocks(weights.read(probe), n, k, 8)) return weights;
  // Whether a weight is on a grid (and with offsets) is asked while the graph is built; its
  // blocks are recovered again when the writer reaches it, so no matrix is held in between.
  const known = new Map<string, boolean | undefined>();
  const recover = (name: string, bits: QuantBits, blockSize: number) => {
    const shape = weights.shape(name);
    if (shape.length !== 2) return undefined;
    return recoverGridBlocks(weights.read(name), shape[0], shape[1], bits, blockSize);
  };
  return {
    ...weights,
    quantized(name, bits, blockSize) {
      const key = `${name}\0${bits}\0${blockSize}`;
      if (!known.has(key)) {
        const blocks = recover(name, bits, blockSize);
        known.set(key, blocks ? blocks.offsets !== undefined : undefined);
      }
      const hasOffsets = known.get(key);
      if (hasOffsets === undefined) return undefined;
      return {
        hasOffsets,
        load: () => {
          const blocks = recover(name, bits, blockSize);
          if (!blocks) throw new Error(`${weights.label}: ${name} changed while the graph was written`);
          return blocks;
        },
      };
    },
  };
}
