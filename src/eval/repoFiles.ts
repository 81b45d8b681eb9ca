/**
 * @file The files of a repository under evaluation, read with the training-set builder's own
 * listing and filters (git's file list or a walk honouring .gitignore; no binaries, no huge or
 * minified files, only known languages), and its held-out split: the files the dataset builder
 * puts in validation for the same seed, so that an adapter trained on the repository is scored
 * on code it never saw.
 */
import { basename, resolve } from 'node:path';
import { DEFAULT_LIMITS } from '../finetune/dataset/filters';
import { inspectFile } from '../finetune/dataset/inspect';
import { LANGUAGE_NAMES, type LanguageName } from '../finetune/dataset/languages';
import { listCandidates } from '../finetune/dataset/collect';
import { validationPaths } from '../finetune/dataset/split';
import type { RepoFile } from './completionPositions';

/** The dataset builder's default validation share. */
export const VALIDATION_FRACTION = 0.1;

/** Languages scored by default: all the builder knows but Markdown, which is prose. */
export const EVAL_LANGUAGES: readonly LanguageName[] = LANGUAGE_NAMES.filter((name) => name !== 'Markdown');

export interface Repository {
  readonly root: string;
  /** The folder's name, as the prompt's `<repo_name>` gives it (the extension uses the workspace folder's). */
  readonly name: string;
  readonly files: readonly RepoFile[];
}

/** Reads the repository at `root`; `signal` stops between files. */
export async function readRepository(root: string, languages: readonly LanguageName[] = EVAL_LANGUAGES, signal?: AbortSignal): Promise<Repository> {
  const dir = resolve(root);
  const wanted = new Set(languages);
  const files: RepoFile[] = [];
  for await (const candidate of (await listCandidates(dir)).candidates) {
    signal?.throwIfAborted();
    if (candidate.kind !== 'file') continue;
    const inspection = await inspectFile(dir, candidate.path, wanted, DEFAULT_LIMITS);
    if (inspection && 'file' in inspection) files.push({ path: candidate.path, text: inspection.file.text, language: inspection.file.language });
  }
  return { root: dir, name: basename(dir), files };
}

/** The held-out files of `repository` for `seed` (see the file header). */
export function heldOutFiles(repository: Repository, seed: number, fraction = VALIDATION_FRACTION): RepoFile[] {
  const held = validationPaths(repository.files.map((f) => f.path), fraction, seed);
  return repository.files.filter((f) => held.has(f.path));
}
