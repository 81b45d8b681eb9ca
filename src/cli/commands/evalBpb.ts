/**
 * @file `smolcode eval bpb`: bits per byte of a model folder's plain graph on source files and
 * folders (eval/bitsPerByte.ts, eval/sources.ts), printed as tables per file and per language or
 * as JSON. The measure compares graphs and quantizations of one model independently of the
 * tokenizer (see the README's GGUF import section for the q4 figures it produced).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { checkWindow, DEFAULT_WINDOW, documentStartId, openLogitsModel, scoreBitsPerByte, type BitsPerByteReport, type Totals } from '../../eval/bitsPerByte';
import { collectSources, MAX_FILE_BYTES, type SkippedFile } from '../../eval/sources';
import { contextLength, tokenizerDir } from '../../runtime/modelFiles';
import { loadTokenizer } from '../../runtime/tokenizer';
import { intFlag, parseFlags } from '../args';
import { UsageError, type CliCommand } from '../command';
import { ENGINE_FLAGS, ENGINE_USAGE, engineOptions } from '../engineFlags';
import { sigintSignal } from '../interrupt';

const BPB_USAGE = `Usage: smolcode eval bpb --model DIR [options] FILES_OR_DIRS...

Bits per byte of the model on source files: the cross-entropy of every token, in bits, over
the files' UTF-8 bytes, per file, per language and in total (with bits per token). Folders are
walked for source files of known languages (git's file list or .gitignore rules; node_modules,
.git and build folders skipped); binary, non-UTF-8 and files over ${MAX_FILE_BYTES} bytes are skipped.
Each file follows <|endoftext|> and is scored in windows run from an empty cache on the plain
graph: the first window scores all its tokens, each later one slides by the stride and scores
its last stride tokens, so every token has at least window - stride tokens of context.

Options:
${ENGINE_USAGE}
  --max-bytes N    score at most N bytes per language: files in order, the one that crosses N
                   cut at a line break (default: no cap)
  --window N       most tokens per forward pass (default ${DEFAULT_WINDOW}; at most the model's context)
  --stride N       tokens each later window scores (default half the window)
  --json           print one JSON object (files, languages, total, skipped) instead of tables`;

const ROW = (cells: readonly (string | number)[], widths: readonly number[]) =>
  cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i] as number) : String(c).padStart(widths[i] as number))).join('  ');

/** A text table of `rows`; the files column only where a row may sum several files. */
function table(title: 'file' | 'language', rows: readonly (readonly [string, Totals])[]): string[] {
  const files = title === 'language';
  const cells = rows.map(([name, t]) => [name, ...(files ? [t.files] : []), t.bytes, t.tokens, t.bitsPerToken.toFixed(4), t.bitsPerByte.toFixed(4)]);
  const head = [title, ...(files ? ['files'] : []), 'bytes', 'tokens', 'bits/token', 'bits/byte'];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => String(c[i]).length)));
  return [ROW(head, widths), ...cells.map((c) => ROW(c, widths))];
}

function skippedSummary(skipped: readonly SkippedFile[]): string | undefined {
  if (skipped.length === 0) return undefined;
  const byReason = new Map<string, number>();
  for (const s of skipped) byReason.set(s.reason, (byReason.get(s.reason) ?? 0) + 1);
  return `skipped ${skipped.length} files: ${[...byReason].map(([reason, n]) => `${n} ${reason}`).join(', ')}`;
}

function printTables(title: string, report: BitsPerByteReport, skipped: readonly SkippedFile[]): void {
  console.log(`${title}, window ${report.window}, stride ${report.stride}`);
  console.log(table('file', report.files.map((f) => [f.path, f] as const)).join('\n'));
  console.log();
  console.log(table('language', [...Object.entries(report.languages), ['all', report.total] as const]).join('\n'));
  const summary = skippedSummary(skipped);
  if (summary) console.error(summary);
}

export const evalBpbCommand: CliCommand = {
  name: 'bpb',
  summary: 'bits per byte of a model on source files',
  usage: BPB_USAGE,
  async run(args) {
    const { values, positionals } = parseFlags(
      args,
      { ...ENGINE_FLAGS, 'max-bytes': { type: 'string' }, window: { type: 'string' }, stride: { type: 'string' }, json: { type: 'boolean' } },
      true,
    );
    if (positionals.length === 0) throw new UsageError('name the FILES_OR_DIRS to score');
    const missing = positionals.filter((p) => !existsSync(p));
    if (missing.length > 0) throw new UsageError(`${missing.join(', ')}: no such file or folder`);
    const options = engineOptions(values);
    const window = intFlag(values.window, 'window', DEFAULT_WINDOW);
    const stride = intFlag(values.stride, 'stride', Math.floor(window / 2));
    try {
      checkWindow(window, stride);
    } catch (error) {
      throw new UsageError(`--window ${window} --stride ${stride}: ${(error as Error).message}`);
    }
    const context = contextLength(options.modelDir);
    if (window > context) throw new UsageError(`--window ${window} is longer than the model's context of ${context} tokens`);
    const maxBytes = values['max-bytes'] === undefined ? undefined : intFlag(values['max-bytes'], 'max-bytes', 0);
    const interrupt = sigintSignal();
    try {
      const sources = await collectSources(positionals.map((p) => resolve(p)), { maxBytesPerLanguage: maxBytes, signal: interrupt.signal });
      if (sources.texts.length === 0) throw new UsageError(`no source files to score in ${positionals.join(' ')} (${skippedSummary(sources.skipped) ?? 'none found'})`);
      const tokenizer = await loadTokenizer(tokenizerDir(options.modelDir, options.tokenizerFallbackDir));
      const model = await openLogitsModel(options.modelDir, options.dtype, options);
      let lastLine = performance.now();
      try {
        const report = await scoreBitsPerByte(model, tokenizer.encode, sources.texts, {
          startId: documentStartId(tokenizer.encode),
          window,
          stride,
          signal: interrupt.signal,
          onProgress: ({ path, tokensDone, tokens }) => {
            const now = performance.now();
            if (now - lastLine < 2000) return;
            lastLine = now;
            console.error(`[bpb] ${tokensDone}/${tokens} tokens (${((100 * tokensDone) / tokens).toFixed(0)}%), ${path}`);
          },
        });
        const header = { model: options.modelDir, dtype: options.dtype, provider: model.provider };
        if (values.json) console.log(JSON.stringify({ ...header, ...report, skipped: sources.skipped }));
        else printTables(`${header.model} ${header.dtype} on ${header.provider}`, report, sources.skipped);
        return 0;
      } finally {
        await model.dispose();
      }
    } finally {
      interrupt.dispose();
    }
  },
};
