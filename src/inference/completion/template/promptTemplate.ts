/**
 * @file Prompt templates for completion. SmolLM2 has no fill-in-the-middle tokens, so the base
 * model continues a prefix written in the repository format it saw in pretraining (StarCoder2
 * data: `<repo_name>` name, then `<file_sep>` path newline content per file). A model with an
 * adapter that learned fill-in-the-middle can bring its own template through the registry.
 */
import type { CompletionInput } from '../types';

export interface PromptTemplate {
  readonly name: string;
  /** The prompt text for the input. */
  build(input: CompletionInput): string;
  /** Strings that mean the model has left the current file. */
  readonly stopStrings: readonly string[];
}

/** Special tokens of SmolLM2's vocabulary that must never appear in a suggestion. */
export const SPECIAL_TOKENS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>', '<repo_name>', '<reponame>', '<file_sep>', '<filename>', '<gh_stars>', '<issue_start>', '<issue_comment>', '<issue_closed>', '<jupyter_start>', '<jupyter_text>', '<jupyter_code>', '<jupyter_output>', '<jupyter_script>', '<empty_output>'];

/** The repository format: context files first, the current file last, cut at the cursor. */
export const repositoryTemplate: PromptTemplate = {
  name: 'repository',
  build(input) {
    const files = input.snippets.map((s) => `<file_sep>${s.path}\n${s.text}`).join('');
    return `<repo_name>${input.repoName}${files}<file_sep>${input.path}\n${input.prefix}`;
  },
  stopStrings: SPECIAL_TOKENS,
};

const TEMPLATES: Record<string, PromptTemplate> = { repository: repositoryTemplate };

/** The template registered under `name`, or an error listing the known ones. */
export function templateNamed(name: string): PromptTemplate {
  const template = TEMPLATES[name];
  if (!template) throw new Error(`unknown completion template "${name}"; known: ${Object.keys(TEMPLATES).join(', ')}`);
  return template;
}

/** Registers a template (e.g. one shipped with a fill-in-the-middle adapter). */
export function registerTemplate(template: PromptTemplate): void {
  TEMPLATES[template.name] = template;
}
