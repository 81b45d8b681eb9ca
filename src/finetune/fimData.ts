/**
 * @file The share of a JSONL training file's `{"text"}` samples that are fill-in-the-middle
 * samples in SmolCode's format, so that `smolcode finetune --data` records FIM in the adapter
 * folder as `--workspace` runs do, whoever built the file (`smolcode dataset --fim-rate`, or a
 * script writing the same format).
 */
import { readFileSync } from 'node:fs';
import { isFimSample } from '../model/fim';

/** FIM samples and all `{"text"}` samples of the JSONL file at `path`; other lines are not counted. */
export function fimSamplesIn(path: string): { readonly fim: number; readonly text: number } {
  let fim = 0;
  let text = 0;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    // Only text lines can hold the format; the trainer has already refused malformed lines.
    if (!line.includes('"text"')) continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      continue;
    }
    const value = (record as { text?: unknown } | null)?.text;
    if (typeof value !== 'string') continue;
    text++;
    if (isFimSample(value)) fim++;
  }
  return { fim, text };
}
