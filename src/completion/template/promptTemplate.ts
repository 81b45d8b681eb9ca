/**
 * @file Prompt templates for completion. SmolLM2 has no fill-in-the-middle tokens, so the base
 * model continues a prefix written in the repository format it saw in pretraining (StarCoder2
 * data: `<repo_name>` name, then `<file_sep>` path newline content per file). A model with an
 * adapter that learned fill-in-the-middle will add its template to the table below.
 */
import { SPECIAL_TOKENS } from '../../model/specialTokens';
import type { CompletionInput } from '../types';

export interface PromptTemplate {
  readonly name: string;
  /** The prompt text for the input. */
  build(input: CompletionInput): string;
  /** Strings that mean the model has left the current file. */
  readonly stopStrings: readonly string[];
}

/** The repository format: context files first, the current file last, cut at the cursor. */
export const repositoryTemplate: PromptTemplate = {
  name: 'repository',
  build(input) {
    const files = input.snippets.map((s) => `<file_sep>${s.path}\n${s.text}`).join('');
    return `<repo_name>${input.repoName}${files}<file_sep>${input.path}\n${input.prefix}`;
  },
  stopStrings: SPECIAL_TOKENS,
};

const TEMPLATES: Readonly<Record<string, PromptTemplate>> = { repository: repositoryTemplate };

/** The template named `name`, or an error listing the known ones. */
export function templateNamed(name: string): PromptTemplate {
  const template = TEMPLATES[name];
  if (!template) throw new Error(`unknown completion template "${name}"; known: ${Object.keys(TEMPLATES).join(', ')}`);
  return template;
}
