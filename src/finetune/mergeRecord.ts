/**
 * @file The record a merge leaves in its folder (`smolcode_merge.json`): which variants were
 * merged in the current format. Format 2 keeps the base's blocks in the quantized variants and
 * adds the update beside them (finetune/merge.ts); quantized files of an older merge rounded the
 * update away and are merged again when the PEFT files are at hand (ui/adapterFolder.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ONNX_VARIANTS, type OnnxVariant } from '../model/configTypes';

export const MERGE_RECORD_FILE = 'smolcode_merge.json';
export const MERGE_FORMAT = 2;

/** The variants a merge writes with the base's blocks and the update beside them (the rest fold the update into W). */
export function keepsUpdateBeside(variant: string): variant is 'q4' | 'int8' {
  return variant === 'q4' || variant === 'int8';
}

/** The variants of `dir` merged in the current format (none without a record, or with an older one). */
export function currentMergeVariants(dir: string): OnnxVariant[] {
  try {
    const record: unknown = JSON.parse(readFileSync(join(dir, MERGE_RECORD_FILE), 'utf8'));
    const { format, variants } = (record ?? {}) as { format?: unknown; variants?: unknown };
    if (format !== MERGE_FORMAT || !Array.isArray(variants)) return [];
    return ONNX_VARIANTS.filter((v) => variants.includes(v));
  } catch {
    // No record (a merge before format 2, or a folder merged elsewhere) or a damaged one.
    return [];
  }
}
