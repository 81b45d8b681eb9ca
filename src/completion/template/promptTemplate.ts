/**
 * @file Prompt templates for completion. SmolLM2 has no fill-in-the-middle tokens, so the base
 * model continues a prefix written in the repository format it saw in pretraining (StarCoder2
 * data: `<repo_name>` name, then `<file_sep>` path newline content per file). An adapter that
 * learned SmolCode's FIM format (model/fim.ts) gets the FIM template, which also shows the text
 * after the cursor; `templateFor` makes that choice from the adapter folder's record.
 */
import { boundedSuffix, fimPrompt, type FimRecord } from '../../model/fim';
import { SPECIAL_TOKENS } from '../../model/specialTokens';
import type { CompletionInput } from '../types';

export interface PromptTemplate {
  readonly name: string;
  /** The prompt text for the input. */
  build(input: CompletionInput): string;
  /** Strings that mean the model has left the current file. */
  readonly stopStrings: readonly string[];
}

/** The repository format's header: the repository, the snippets as files, the current file's path. */
function repositoryHeader(input: CompletionInput): string {
  const files = input.snippets.map((s) => `<file_sep>${s.path}\n${s.text}`).join('');
  return `<repo_name>${input.repoName}${files}<file_sep>${input.path}\n`;
}

/** The repository format: context files first, the current file last, cut at the cursor. */
export const repositoryTemplate: PromptTemplate = {
  name: 'repository',
  build: (input) => `${repositoryHeader(input)}${input.prefix}`,
  stopStrings: SPECIAL_TOKENS,
};

/**
 * The same header, then the prefix and the bounded suffix in SmolCode's FIM format: for models
 * whose adapter learned it. The model writes the middle and ends it with `<|endoftext|>`, one
 * of the stop strings; the pipeline's line rules still stop a middle that re-types the suffix.
 */
export const fimTemplate: PromptTemplate = {
  name: 'fim',
  build: (input) => fimPrompt(repositoryHeader(input), input.prefix, boundedSuffix(input.suffix)),
  stopStrings: SPECIAL_TOKENS,
};

const TEMPLATES: Readonly<Record<string, PromptTemplate>> = { repository: repositoryTemplate, fim: fimTemplate };

/** The names `templateNamed` knows. */
export const TEMPLATE_NAMES = Object.keys(TEMPLATES);

/**
 * The template for a model: the FIM template when its adapter folder records FIM training
 * (`record`, from `readFimRecord`), else the template named `fallback` (the setting).
 */
export function templateFor(record: FimRecord | undefined, fallback: string): PromptTemplate {
  return record ? fimTemplate : templateNamed(fallback);
}

/** The template named `name`, or an error listing the known ones. */
export function templateNamed(name: string): PromptTemplate {
  const template = TEMPLATES[name];
  if (!template) throw new Error(`unknown completion template "${name}"; known: ${Object.keys(TEMPLATES).join(', ')}`);
  return template;
}
