/**
 * @file ggml's tensor types as GGUF numbers them, and the block layout (elements and bytes per
 * block) of those SmolCode dequantizes: the types llama.cpp writes for SmolLM2 (whose hidden
 * size, 576, is no multiple of 256, so most tensors fall back from K-quants to Q5_0, Q5_1,
 * IQ4_NL and Q8_0) and the common ones of other files. Layouts as in ggml's ggml-common.h.
 */

/** Every ggml type code with its name, so an unsupported one is named in errors. */
export const GGML_TYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'F32', 1: 'F16', 2: 'Q4_0', 3: 'Q4_1', 6: 'Q5_0', 7: 'Q5_1', 8: 'Q8_0', 9: 'Q8_1', 10: 'Q2_K', 11: 'Q3_K',
  12: 'Q4_K', 13: 'Q5_K', 14: 'Q6_K', 15: 'Q8_K', 16: 'IQ2_XXS', 17: 'IQ2_XS', 18: 'IQ3_XXS', 19: 'IQ1_S', 20: 'IQ4_NL',
  21: 'IQ3_S', 22: 'IQ2_S', 23: 'IQ4_XS', 24: 'I8', 25: 'I16', 26: 'I32', 27: 'I64', 28: 'F64', 29: 'IQ1_M', 30: 'BF16',
  34: 'TQ1_0', 35: 'TQ2_0', 39: 'MXFP4',
};

/** The types SmolCode reads. */
export const GgmlType = {
  F32: 0,
  F16: 1,
  Q4_0: 2,
  Q4_1: 3,
  Q5_0: 6,
  Q5_1: 7,
  Q8_0: 8,
  Q4_K: 12,
  Q6_K: 14,
  IQ4_NL: 20,
  BF16: 30,
} as const;
export type GgmlType = (typeof GgmlType)[keyof typeof GgmlType];

/** Elements per block and bytes per block. */
export interface BlockLayout {
  readonly elements: number;
  readonly bytes: number;
}

/** Super-block size of the K-quants. */
export const QK_K = 256;

const LAYOUTS: Record<GgmlType, BlockLayout> = {
  [GgmlType.F32]: { elements: 1, bytes: 4 },
  [GgmlType.F16]: { elements: 1, bytes: 2 },
  [GgmlType.BF16]: { elements: 1, bytes: 2 },
  // d (f16) + 32 int8
  [GgmlType.Q8_0]: { elements: 32, bytes: 2 + 32 },
  // d (f16) + 16 bytes of 4-bit quants
  [GgmlType.Q4_0]: { elements: 32, bytes: 2 + 16 },
  // d, m (f16) + 16 bytes of 4-bit quants
  [GgmlType.Q4_1]: { elements: 32, bytes: 2 + 2 + 16 },
  // d (f16) + 32 high bits + 16 bytes of low nibbles
  [GgmlType.Q5_0]: { elements: 32, bytes: 2 + 4 + 16 },
  // d, m (f16) + 32 high bits + 16 bytes of low nibbles
  [GgmlType.Q5_1]: { elements: 32, bytes: 2 + 2 + 4 + 16 },
  // d (f16) + 16 bytes of indices into a non-linear table
  [GgmlType.IQ4_NL]: { elements: 32, bytes: 2 + 16 },
  // d, dmin (f16) + 12 bytes of 6-bit scales and mins + 128 bytes of 4-bit quants
  [GgmlType.Q4_K]: { elements: QK_K, bytes: 2 + 2 + 12 + QK_K / 2 },
  // 128 bytes of low 4 bits + 64 bytes of high 2 bits + 16 int8 scales + d (f16)
  [GgmlType.Q6_K]: { elements: QK_K, bytes: QK_K / 2 + QK_K / 4 + QK_K / 16 + 2 },
};

/** The layout of type `type`, or undefined for a type SmolCode does not read. */
export function blockLayout(type: number): BlockLayout | undefined {
  return (LAYOUTS as Record<number, BlockLayout | undefined>)[type];
}

/** `type`'s name, e.g. "Q4_1", or "type N" for a code ggml does not know either. */
export function ggmlTypeName(type: number): string {
  return GGML_TYPE_NAMES[type] ?? `type ${type}`;
}

/** Bytes of `elements` values of `type`, or undefined when they do not fill whole blocks. */
export function tensorByteLength(type: GgmlType, elements: number): number | undefined {
  const layout = LAYOUTS[type];
  if (elements % layout.elements !== 0) return undefined;
  return (elements / layout.elements) * layout.bytes;
}
