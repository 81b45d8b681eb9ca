/**
 * @file The `smolcode.*` setting keys and their value types, free of the `vscode` module so
 * that pure code and tests can use them. `config.ts` reads the values through VS Code.
 */

export const DEVICES = ['auto', 'cpu', 'webgpu', 'cuda', 'dml', 'coreml'] as const;
export type Device = (typeof DEVICES)[number];

export const DTYPES = ['fp32', 'fp16', 'q4', 'q4f16', 'int8'] as const;
export type Dtype = (typeof DTYPES)[number];

export const COMPLETION_MODELS = ['SmolLM2-135M', 'SmolLM2-360M', 'SmolLM2-1.7B'] as const;
export const CHAT_MODELS = ['SmolLM2-135M-Instruct', 'SmolLM2-360M-Instruct', 'SmolLM2-1.7B-Instruct'] as const;

/** Setting keys below `smolcode.`, with their value types. */
export interface SettingTypes {
  'completion.enabled': boolean;
  'completion.languages': Record<string, boolean>;
  'completion.maxTokens': number;
  'completion.maxLines': number;
  'completion.contextTokens': number;
  'completion.useOtherFiles': boolean;
  'completion.debounceMinMs': number;
  'completion.debounceMaxMs': number;
  'completion.timeBudgetMs': number;
  'completion.speculative': boolean;
  'completion.template': string;
  'completion.model': (typeof COMPLETION_MODELS)[number];
  'chat.model': (typeof CHAT_MODELS)[number];
  dtype: Dtype;
  device: Device;
  threads: number;
  fusedGraph: boolean;
  localModelPath: string;
  hubEndpoint: string;
  tokenizerPath: string;
  'dataset.minScore': number;
  'dataset.seqLen': number;
  'dataset.seed': number;
  'dataset.languages': string[];
  'dataset.mixture': Record<string, number>;
  'dataset.perplexityFilter': boolean;
  'completion.adapter': string;
  'chat.adapter': string;
  'finetune.steps': number;
  'finetune.rank': number;
  'finetune.alpha': number;
  'finetune.learningRate': number;
  'finetune.seqLen': number;
  'finetune.targets': string[];
}

export type SettingKey = keyof SettingTypes;

/** Every key of `SettingTypes`, for checking the manifest against this file. */
export const SETTING_KEYS = [
  'completion.enabled',
  'completion.languages',
  'completion.maxTokens',
  'completion.maxLines',
  'completion.contextTokens',
  'completion.useOtherFiles',
  'completion.debounceMinMs',
  'completion.debounceMaxMs',
  'completion.timeBudgetMs',
  'completion.speculative',
  'completion.template',
  'completion.model',
  'chat.model',
  'dtype',
  'device',
  'threads',
  'fusedGraph',
  'localModelPath',
  'hubEndpoint',
  'tokenizerPath',
  'dataset.minScore',
  'dataset.seqLen',
  'dataset.seed',
  'dataset.languages',
  'dataset.mixture',
  'dataset.perplexityFilter',
  'completion.adapter',
  'chat.adapter',
  'finetune.steps',
  'finetune.rank',
  'finetune.alpha',
  'finetune.learningRate',
  'finetune.seqLen',
  'finetune.targets',
] as const satisfies readonly SettingKey[];

/**
 * Whether inline completions are on for a language, from the per-language map: an explicit
 * entry wins, then `*`, then on.
 */
export function isLanguageEnabled(languages: Record<string, boolean>, languageId: string): boolean {
  return languages[languageId] ?? languages['*'] ?? true;
}
