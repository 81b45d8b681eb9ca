/**
 * @file User settings for the tests that type, wait for ghost text and accept it: SmolCode on
 * the CPU with a deterministic prompt, and an editor that neither covers the ghost text with its
 * own suggestions nor changes what was typed.
 */

/** Settings for a ghost-text test with `dtype` and the completion limits given. */
export function ghostTextSettings(dtype: string, limits: { maxTokens: number; maxLines: number; timeBudgetMs: number }): Record<string, unknown> {
  return {
    'smolcode.dtype': dtype,
    'smolcode.device': 'cpu',
    'smolcode.threads': 1,
    // The prompt must be a function of this file alone.
    'smolcode.completion.useOtherFiles': false,
    'smolcode.completion.definitions': false,
    // After Tab, nothing should race the save with another model run.
    'smolcode.completion.speculative': false,
    'smolcode.completion.timeBudgetMs': limits.timeBudgetMs,
    'smolcode.completion.maxTokens': limits.maxTokens,
    'smolcode.completion.maxLines': limits.maxLines,
    // VS Code's own suggestions would cover the ghost text and take the Tab.
    'editor.quickSuggestions': { other: 'off', comments: 'off', strings: 'off' },
    'editor.suggestOnTriggerCharacters': false,
    'editor.wordBasedSuggestions': 'off',
    'editor.parameterHints.enabled': false,
    'editor.inlineSuggest.enabled': true,
    'editor.autoClosingBrackets': 'never',
    'editor.autoClosingQuotes': 'never',
    'editor.autoIndent': 'none',
    'files.autoSave': 'off',
    'files.trimTrailingWhitespace': false,
    'files.insertFinalNewline': false,
  };
}
