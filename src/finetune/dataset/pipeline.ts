/**
 * @file Builds the training set, top to bottom: list the workspace's files, inspect each
 * (filters, language, score), drop low scores and duplicates, optionally drop perplexity
 * outliers, split by file, then re-read each kept file to write its samples. Only signatures,
 * paths and counts stay in memory between the two passes, so memory stays bounded on large
 * trees; the second read is checked against the first pass's hash.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { SPECIAL_TOKENS } from '../../model/specialTokens';
import type { ChatMessage } from '../../runtime/tokenizer';
import { listCandidates } from './collect';
import { DuplicateIndex, sha256 } from './dedup';
import { decodeUtf8, DEFAULT_LIMITS, type FilterLimits } from './filters';
import { inspectFile } from './inspect';
import { LANGUAGE_NAMES, languageNamed, type LanguageName } from './languages';
import { perplexityOutliers, type PerplexityScorer } from './perplexity';
import { emptySplitCounts, reportMarkdown, scoreBin, type DatasetReport, type Example, type KeptEntry, type Split } from './report';
import { chatSamples } from './samples/chatTasks';
import { findCodeUnits } from './samples/codeUnits';
import { fimSample } from './samples/fimSamples';
import { chunkByTokens, repoHeader } from './samples/repoFormat';
import type { SampleTokenizer } from './samples/sampleTokenizer';
import { IGNORE_INDEX, tokenizeChat, tokenizeText, type TokenizedSample } from './samples/tokenize';
import { keyedRandom, validationPaths } from './split';
import { DEFAULT_MIXTURE, type Dropped, type KeptFile, type Mixture } from './types';
import { JsonlWriter } from './writer';

/** What to build. */
export interface DatasetOptions {
  readonly workspace: string;
  readonly out: string;
  /** Most tokens in one sample (default 2048). */
  readonly seqLen?: number;
  /** Files scoring below this are dropped (default 2.5 of 5). */
  readonly minScore?: number;
  readonly seed?: number;
  /** Share of files for validation (default 0.1). */
  readonly validationFraction?: number;
  readonly languages?: readonly LanguageName[];
  readonly mixture?: Mixture;
  readonly limits?: FilterLimits;
  /** Name in `<repo_name>` (default: the workspace folder's name). */
  readonly repoName?: string;
  /** Share of code chunks written as fill-in-the-middle samples instead (samples/fimSamples.ts; default 0: none). */
  readonly fimRate?: number;
  /**
   * Tokens a FIM sample must fit: the training sequence length, so it is never split (default
   * `seqLen`). With FIM on, code chunks are cut at this length too, so that a chunk written as a
   * FIM sample replaces one training sequence of plain code rather than a whole long file.
   */
  readonly fimSeqLen?: number;
}

/** Where the build reports to and what it needs besides options. */
export interface DatasetHooks {
  readonly tokenizer: SampleTokenizer;
  /** When given, perplexity outliers are dropped. */
  readonly scorer?: PerplexityScorer;
  readonly onProgress?: (progress: { readonly phase: 'scan' | 'perplexity' | 'samples'; readonly done: number; readonly total?: number; readonly path: string }) => void;
  readonly signal?: AbortSignal;
}

/** The files the build writes into the output folder. */
export const OUTPUT_FILES = {
  code: (split: Split) => `code-${split}.jsonl`,
  chat: (split: Split) => `chat-${split}.jsonl`,
  tokens: (split: Split) => `tokens-${split}.jsonl`,
  reportJson: 'report.json',
  reportMarkdown: 'report.md',
} as const;

const SPLITS: readonly Split[] = ['train', 'validation'];
const EXAMPLE_CHARS = 1200;

function checkOptions(seqLen: number, minScore: number, fimRate: number, fimSeqLen: number): void {
  if (!(Number.isInteger(seqLen) && seqLen >= 64)) throw new RangeError(`seqLen must be an integer of at least 64, got ${seqLen}`);
  if (!(minScore >= 0 && minScore <= 5)) throw new RangeError(`minScore must be from 0 to 5, got ${minScore}`);
  if (!(fimRate >= 0 && fimRate <= 1)) throw new RangeError(`fimRate must be from 0 to 1, got ${fimRate}`);
  if (!(Number.isInteger(fimSeqLen) && fimSeqLen >= 16)) throw new RangeError(`fimSeqLen must be an integer of at least 16, got ${fimSeqLen}`);
}

const holdsSpecialToken = (text: string) => SPECIAL_TOKENS.some((t) => text.includes(t));
const clip = (text: string) => (text.length > EXAMPLE_CHARS ? `${text.slice(0, EXAMPLE_CHARS)}\n…` : text);

/** Builds the set into `options.out` and returns the report (also written there). */
export async function buildDataset(options: DatasetOptions, hooks: DatasetHooks): Promise<DatasetReport> {
  const seqLen = options.seqLen ?? 2048;
  const minScore = options.minScore ?? 2.5;
  const seed = options.seed ?? 0;
  const validationFraction = options.validationFraction ?? 0.1;
  const languages = options.languages ?? LANGUAGE_NAMES;
  const mixture = options.mixture ?? DEFAULT_MIXTURE;
  const limits = options.limits ?? DEFAULT_LIMITS;
  const fimRate = options.fimRate ?? 0;
  const fimSeqLen = options.fimSeqLen ?? seqLen;
  checkOptions(seqLen, minScore, fimRate, fimSeqLen);
  const { signal, tokenizer } = hooks;
  const countTokens = (text: string) => tokenizer.encode(text).length;
  const root = resolve(options.workspace);
  const out = resolve(options.out);
  const repoName = options.repoName ?? basename(root);
  const outInside = relative(root, out);
  const outPrefix = outInside.startsWith('..') || outInside === '' ? undefined : `${outInside.split(sep).join('/')}/`;

  // Pass 1: filters, score, deduplication.
  const { source, candidates } = await listCandidates(root);
  const allowed = new Set(languages);
  const duplicates = new DuplicateIndex();
  const dropped: Dropped[] = [];
  let kept: KeptFile[] = [];
  const histogram = Array<number>(10).fill(0);
  let seen = 0;
  for await (const candidate of candidates) {
    signal?.throwIfAborted();
    if (outPrefix && candidate.path.startsWith(outPrefix)) continue;
    seen++;
    hooks.onProgress?.({ phase: 'scan', done: seen, path: candidate.path });
    if (candidate.kind === 'vendored-dir') {
      dropped.push({ path: candidate.path, reason: 'vendored', detail: 'folder skipped whole' });
      continue;
    }
    if (candidate.kind === 'unreadable-dir') {
      const tooLong = candidate.code === 'ENAMETOOLONG';
      dropped.push({ path: candidate.path, reason: tooLong ? 'path-too-long' : 'unreadable', detail: tooLong ? 'folder skipped whole: its path is longer than the OS allows' : `folder skipped whole (${candidate.code})` });
      continue;
    }
    const inspection = await inspectFile(root, candidate.path, allowed, limits);
    if (!inspection) continue;
    if ('verdict' in inspection) {
      dropped.push({ path: candidate.path, ...inspection.verdict });
      continue;
    }
    const file = inspection.file;
    histogram[scoreBin(file.score)]++;
    if (file.score < minScore) {
      dropped.push({ path: candidate.path, reason: 'low-quality', detail: `score ${file.score.toFixed(1)} < ${minScore}` });
      continue;
    }
    const original = duplicates.exactDuplicateOf(file.sha256);
    if (original) {
      dropped.push({ path: candidate.path, reason: 'duplicate', detail: `same content as ${original}` });
      continue;
    }
    const signature = duplicates.signature(file.text);
    const near = duplicates.nearDuplicateOf(signature);
    if (near) {
      dropped.push({ path: candidate.path, reason: 'near-duplicate', detail: `${Math.round(near.similarity * 100)}% similar to ${near.path}` });
      continue;
    }
    duplicates.add(candidate.path, file.sha256, signature);
    kept.push({ path: candidate.path, language: file.language.name, bytes: file.bytes, score: file.score, sha256: file.sha256 });
  }

  if (hooks.scorer) kept = await dropPerplexityOutliers(root, kept, dropped, hooks);

  // Pass 2: split and samples.
  const validation = validationPaths(kept.map((f) => f.path), validationFraction, seed);
  await mkdir(out, { recursive: true });
  const writers = Object.fromEntries(
    await Promise.all(
      SPLITS.map(async (split) => [split, { code: await JsonlWriter.create(join(out, OUTPUT_FILES.code(split))), chat: await JsonlWriter.create(join(out, OUTPUT_FILES.chat(split))), tokens: await JsonlWriter.create(join(out, OUTPUT_FILES.tokens(split))) }] as const),
    ),
  ) as Record<Split, { code: JsonlWriter; chat: JsonlWriter; tokens: JsonlWriter }>;
  const splits = { train: emptySplitCounts(), validation: emptySplitCounts() };
  const skipped = { tooLong: 0, specialTokens: 0, changed: 0 };
  const examples: Example[] = [];
  const keptEntries: KeptEntry[] = [];
  const count = (sample: TokenizedSample, split: Split) => {
    splits[split].tokens += sample.input_ids.length;
    splits[split].trainedTokens += sample.labels.filter((l) => l !== IGNORE_INDEX).length;
  };
  try {
    for (const [index, file] of kept.entries()) {
      signal?.throwIfAborted();
      hooks.onProgress?.({ phase: 'samples', done: index, total: kept.length, path: file.path });
      const split: Split = validation.has(file.path) ? 'validation' : 'train';
      const bytes = await readFile(join(root, file.path));
      if (sha256(bytes) !== file.sha256) {
        skipped.changed++;
        continue;
      }
      keptEntries.push({ path: file.path, language: file.language, score: file.score, split });
      // Decoded as in the first pass (which strips a byte-order mark).
      const text = decodeUtf8(bytes) ?? '';
      const { code, chat, tokens } = writers[split];
      const random = keyedRandom(seed, file.path);
      // Its own stream, so that the code and chat samples are the same whatever the FIM rate.
      const fimRandom = keyedRandom(seed, `fim\0${file.path}`);
      if (holdsSpecialToken(text)) {
        skipped.specialTokens++;
        continue;
      }
      const header = repoHeader(repoName, file.path);
      const budget = (fimRate > 0 ? Math.min(seqLen, fimSeqLen) : seqLen) - tokenizer.encode(header).length - 1;
      const chunks = budget > 0 ? chunkByTokens(text, budget, countTokens) : [];
      let chunkStart = 0;
      for (const [i, chunk] of chunks.entries()) {
        const from = chunkStart;
        chunkStart += chunk.length;
        if (random() >= mixture.code) continue;
        const fim = fimRate > 0 && fimRandom() < fimRate ? fimSample(text, from, chunkStart, header, fimSeqLen, countTokens, fimRandom) : undefined;
        const sampleText = fim ?? header + chunk;
        await code.write({ text: sampleText });
        // A FIM sample ends with its own end token.
        const tokenized = tokenizeText(tokenizer, sampleText, fim === undefined && i === chunks.length - 1);
        await tokens.write({ input_ids: tokenized.input_ids, labels: tokenized.labels });
        count(tokenized, split);
        splits[split].samples.code++;
        if (fim !== undefined) splits[split].fimSamples++;
        if (split === 'train' && !examples.some((e) => e.kind === 'code')) examples.push({ kind: 'code', text: clip(sampleText) });
      }
      for (const unit of findCodeUnits(text, languageNamed(file.language))) {
        for (const sample of chatSamples(unit, languageNamed(file.language), mixture, random)) {
          const tokenized = tokenizeChat(tokenizer, sample.messages);
          if (tokenized.input_ids.length > seqLen) {
            skipped.tooLong++;
            continue;
          }
          await chat.write({ messages: sample.messages.map((m: ChatMessage) => ({ role: m.role, content: m.content })) });
          await tokens.write({ input_ids: tokenized.input_ids, labels: tokenized.labels });
          count(tokenized, split);
          splits[split].samples[sample.kind]++;
          if (split === 'train' && !examples.some((e) => e.kind === sample.kind)) {
            examples.push({ kind: sample.kind, messages: sample.messages.map((m) => ({ role: m.role, content: clip(m.content) })) });
          }
        }
      }
    }
  } finally {
    for (const split of SPLITS) for (const writer of Object.values(writers[split])) await writer.close();
  }

  const keptByLanguage: DatasetReport['keptByLanguage'] = {};
  for (const f of kept) {
    const entry = (keptByLanguage[f.language] ??= { files: 0, bytes: 0 });
    entry.files++;
    entry.bytes += f.bytes;
  }
  const droppedByReason: DatasetReport['droppedByReason'] = {};
  for (const d of dropped) droppedByReason[d.reason] = (droppedByReason[d.reason] ?? 0) + 1;
  const report: DatasetReport = {
    repoName,
    listing: source,
    settings: { seed, seqLen, minScore, validationFraction, languages: [...languages], mixture, fimRate, fimSeqLen },
    files: { seen, kept: keptEntries.length, dropped: dropped.length },
    keptByLanguage,
    droppedByReason,
    scoreHistogram: histogram,
    splits,
    skipped,
    kept: keptEntries,
    dropped,
    examples: examples.sort((a, b) => SAMPLE_ORDER.indexOf(a.kind) - SAMPLE_ORDER.indexOf(b.kind)),
  };
  await writeReport(out, report);
  return report;
}

const SAMPLE_ORDER = Object.keys(DEFAULT_MIXTURE);

async function writeReport(out: string, report: DatasetReport): Promise<void> {
  await writeFile(join(out, OUTPUT_FILES.reportJson), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(out, OUTPUT_FILES.reportMarkdown), reportMarkdown(report));
}

async function dropPerplexityOutliers(root: string, kept: KeptFile[], dropped: Dropped[], hooks: DatasetHooks): Promise<KeptFile[]> {
  const scorer = hooks.scorer as PerplexityScorer;
  const perplexities: number[] = [];
  for (const [index, file] of kept.entries()) {
    hooks.signal?.throwIfAborted();
    hooks.onProgress?.({ phase: 'perplexity', done: index, total: kept.length, path: file.path });
    perplexities.push(await scorer.perplexity(await readFile(join(root, file.path), 'utf8'), hooks.signal));
  }
  const outliers = perplexityOutliers(perplexities);
  for (const i of outliers) {
    const file = kept[i] as KeptFile;
    dropped.push({ path: file.path, reason: 'perplexity-outlier', detail: `perplexity ${(perplexities[i] as number).toFixed(1)}` });
  }
  return kept.filter((_, i) => !outliers.has(i));
}
