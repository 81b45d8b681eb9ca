/**
 * @file `smolcode eval completion`: a next-line benchmark in the manner of RepoBench and
 * CrossCodeEval, run through the product's own code (and a mid-file mode, with cursors inside
 * blocks that go on after them, for fill-in-the-middle models: completionPositions.ts). At each chosen position the request is
 * built as the extension builds it (completionInput.ts: template, snippets from the repository's
 * other files ranked as the editor ranks open files, token budget), the suggestion comes from
 * the completion pipeline (stop rules and postprocessing), and its first line is scored against
 * the line that was there: exact match, edit similarity, empty share and latency, overall and
 * per language.
 */
import { completionInput, definitionTargets, snippetsFor } from '../completion/context/completionInput';
import type { DefinitionResolver } from '../completion/context/definitions';
import type { CandidateFile } from '../completion/context/snippets';
import { runPipeline, type PipelineOptions, type RunModel } from '../completion/pipeline';
import { choosePositions, type EvalPosition, type PositionMode } from './completionPositions';
import { editSimilarity, firstLine } from './editSimilarity';
import type { EvalDocument } from './definitions/typescriptResolver';
import { heldOutFiles, VALIDATION_FRACTION, type Repository } from './repoFiles';

export interface CompletionEvalOptions {
  readonly pipeline: PipelineOptions;
  /** `smolcode.completion.contextTokens`. */
  readonly contextTokens: number;
  /** `smolcode.completion.useOtherFiles`: snippets from the repository's other files. */
  readonly useOtherFiles: boolean;
  /** Definitions of the identifiers near the cursor as snippets (`smolcode.completion.definitions`), from an eval-only resolver. */
  readonly definitions?: DefinitionResolver<EvalDocument>;
  /** The share of the snippet budget definitions may take first (default `DEFINITION_SHARE`). */
  readonly definitionShare?: number;
  readonly files: number;
  readonly perFile: number;
  readonly seed: number;
  readonly validationFraction?: number;
  /** Where cursors go (default next-line). */
  readonly mode?: PositionMode;
}

/** One scored position. */
export interface PositionResult {
  readonly path: string;
  /** One-based, as editors number lines. */
  readonly line: number;
  readonly language: string;
  readonly target: string;
  readonly suggestion: string;
  readonly exact: boolean;
  readonly editSimilarity: number;
  readonly ms: number;
  /** Definition snippets in the prompt (with a resolver). */
  readonly definitions?: number;
}

/** Scores over a set of positions. */
export interface Scores {
  readonly positions: number;
  readonly exactMatch: number;
  readonly editSimilarity: number;
  readonly emptyShare: number;
  readonly latencyP50Ms: number;
  readonly latencyP95Ms: number;
}

export interface CompletionEvalReport {
  readonly repository: string;
  readonly heldOutFiles: number;
  readonly overall: Scores;
  readonly byLanguage: Readonly<Record<string, Scores>>;
  readonly results: readonly PositionResult[];
}

/** The `q` quantile (0..1) of `values` by nearest rank; 0 for none. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Scores of `results`. */
export function scoresOf(results: readonly PositionResult[]): Scores {
  const n = results.length;
  const mean = (f: (r: PositionResult) => number) => (n === 0 ? 0 : results.reduce((sum, r) => sum + f(r), 0) / n);
  const ms = results.map((r) => r.ms);
  return {
    positions: n,
    exactMatch: mean((r) => (r.exact ? 1 : 0)),
    editSimilarity: mean((r) => r.editSimilarity),
    emptyShare: mean((r) => (r.suggestion === '' ? 1 : 0)),
    latencyP50Ms: quantile(ms, 0.5),
    latencyP95Ms: quantile(ms, 0.95),
  };
}

/** Scores a suggestion against the line that was there. */
export function scoreSuggestion(suggestion: string, target: string): { suggestion: string; exact: boolean; editSimilarity: number } {
  const line = firstLine(suggestion);
  return { suggestion: line, exact: line === target, editSimilarity: editSimilarity(line, target) };
}

/** Every other file of the repository, as the editor's open files (see the file header). */
function candidatesFor(repository: Repository, position: EvalPosition): CandidateFile[] {
  return repository.files.filter((f) => f.path !== position.file.path).map((f) => ({ path: f.path, text: f.text, source: 'open' as const }));
}

/** Runs the benchmark; `onResult` sees each position as it is scored. */
export async function evalCompletion(
  repository: Repository,
  runModel: RunModel,
  options: CompletionEvalOptions,
  onResult: (result: PositionResult, done: number, total: number) => void = () => undefined,
  signal: AbortSignal = new AbortController().signal,
): Promise<CompletionEvalReport> {
  const heldOut = heldOutFiles(repository, options.seed, options.validationFraction ?? VALIDATION_FRACTION);
  const positions = choosePositions(heldOut, { files: options.files, perFile: options.perFile, seed: options.seed, mode: options.mode });
  const results: PositionResult[] = [];
  for (const position of positions) {
    signal.throwIfAborted();
    const { file, offset } = position;
    const before = file.text.slice(0, offset);
    // The target line is removed: the editor's user is about to type it, the rest of the file follows.
    const lineEnd = file.text.indexOf('\n', offset);
    const after = lineEnd < 0 ? '' : file.text.slice(lineEnd);
    const cursor = { path: file.path, languageId: file.language.fence, before, after, repoName: repository.name };
    const identifiers = options.definitions ? definitionTargets(before, options.contextTokens) : [];
    const definitions = identifiers.length ? await options.definitions!.definitions({ path: file.path, text: before + after }, identifiers, signal) : [];
    const candidates = options.useOtherFiles ? candidatesFor(repository, position) : [];
    const snippets = snippetsFor(before, candidates, options.contextTokens, definitions, options.definitionShare);
    const input = completionInput(cursor, snippets, { contextTokens: options.contextTokens });
    const definitionCount = snippets.filter((s) => s.kind === 'definition').length;
    const start = performance.now();
    const { text } = await runPipeline(input, options.pipeline, runModel, signal);
    const ms = performance.now() - start;
    const result = { path: file.path, line: position.line + 1, language: file.language.name, target: position.target, ...scoreSuggestion(text, position.target), ms, ...(options.definitions ? { definitions: definitionCount } : {}) };
    results.push(result);
    onResult(result, results.length, positions.length);
  }
  const languages = [...new Set(results.map((r) => r.language))].sort();
  return {
    repository: repository.name,
    heldOutFiles: heldOut.length,
    overall: scoresOf(results),
    byLanguage: Object.fromEntries(languages.map((language) => [language, scoresOf(results.filter((r) => r.language === language))])),
    results,
  };
}
