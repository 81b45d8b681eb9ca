/**
 * @file The completion settings' defaults, for callers without VS Code's settings (the CLI's
 * benchmark); package.json declares the same values for the extension, and a unit test keeps the
 * two equal.
 */

export const COMPLETION_DEFAULTS = {
  maxTokens: 64,
  maxLines: 8,
  contextTokens: 1536,
  timeBudgetMs: 1000,
  template: 'repository',
  useOtherFiles: true,
} as const;
