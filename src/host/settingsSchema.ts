/**
 * @file The `smolcode.*` setting keys and their value types, free of the `vscode` module so
 * that pure code and tests can use them. `config.ts` reads the values through VS Code.
 */

import type { Dtype, KvCacheOption, NativeDecodeOption } from '../model/configTypes';
import type { CHAT_MODELS, COMPLETION_MODELS } from '../modelStore/catalog';
import type { PromptDtypeOption } from '../runtime/promptDtype';
import type { Device } from '../runtime/providers';

/** Setting keys below `smolcode.`, with their value types. */
export interface SettingTypes {
  'completion.enabled': boolean;
  'completion.languages': Record<string, boolean>;
  'completion.maxTokens': number;
  'completion.maxLines': number;
  'completion.contextTokens': number;
  'completion.useOtherFiles': boolean;
  'completion.definitions': boolean;
  'completion.debounceMinMs': number;
  'completion.debounceMaxMs': number;
  'completion.timeBudgetMs': number;
  'completion.speculative': boolean;
  'completion.choices': number;
  'completion.template': string;
  'completion.model': (typeof COMPLETION_MODELS)[number];
  'chat.model': (typeof CHAT_MODELS)[number];
  dtype: Dtype;
  device: Device;
  threads: number;
  fusedGraph: boolean;
  promptDtype: PromptDtypeOption;
  kvCache: KvCacheOption;
  nativeDecode: NativeDecodeOption;
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
  'chat.temperature': number;
  backend: 'local' | 'openai';
  'remote.url': string;
  'remote.completionModel': string;
  'remote.chatModel': string;
  'remote.adapterModels': Record<string, string>;
  'finetune.steps': number;
  'finetune.rank': number;
  'finetune.alpha': number;
  'finetune.dropout': number;
  'finetune.learningRate': number;
  'finetune.seqLen': number;
  'finetune.targets': string[];
  'finetune.fimRate': number;
}

export type SettingKey = keyof SettingTypes;

/** What changing a setting does beyond its own feature. */
interface SettingTraits {
  /** The model a role runs, or how it runs, changes: loaded engines and caches are dropped. */
  readonly reloadsModel?: true;
}

/** Every key of `SettingTypes`, once (the compiler checks none is missing), with its traits. */
const SETTINGS = {
  'completion.enabled': {},
  'completion.languages': {},
  'completion.maxTokens': {},
  'completion.maxLines': {},
  'completion.contextTokens': {},
  'completion.useOtherFiles': {},
  'completion.definitions': {},
  'completion.debounceMinMs': {},
  'completion.debounceMaxMs': {},
  'completion.timeBudgetMs': {},
  'completion.speculative': {},
  'completion.choices': {},
  'completion.template': {},
  'completion.model': { reloadsModel: true },
  'chat.model': { reloadsModel: true },
  dtype: { reloadsModel: true },
  device: { reloadsModel: true },
  threads: { reloadsModel: true },
  fusedGraph: { reloadsModel: true },
  promptDtype: { reloadsModel: true },
  kvCache: { reloadsModel: true },
  nativeDecode: { reloadsModel: true },
  localModelPath: { reloadsModel: true },
  hubEndpoint: { reloadsModel: true },
  tokenizerPath: { reloadsModel: true },
  'dataset.minScore': {},
  'dataset.seqLen': {},
  'dataset.seed': {},
  'dataset.languages': {},
  'dataset.mixture': {},
  'dataset.perplexityFilter': {},
  'completion.adapter': { reloadsModel: true },
  'chat.adapter': { reloadsModel: true },
  'chat.temperature': {},
  backend: {},
  'remote.url': {},
  'remote.completionModel': {},
  'remote.chatModel': {},
  'remote.adapterModels': {},
  'finetune.steps': {},
  'finetune.rank': {},
  'finetune.alpha': {},
  'finetune.dropout': {},
  'finetune.learningRate': {},
  'finetune.seqLen': {},
  'finetune.targets': {},
  'finetune.fimRate': {},
} as const satisfies Record<SettingKey, SettingTraits>;

/** Every setting key, for checking the manifest against this file. */
export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];

/** Settings that change which model a role runs, or how. */
export const MODEL_SETTINGS: readonly SettingKey[] = SETTING_KEYS.filter((key) => (SETTINGS[key] as SettingTraits).reloadsModel);

/**
 * Whether inline completions are on for a language, from the per-language map: an explicit
 * entry wins, then `*`, then on.
 */
export function isLanguageEnabled(languages: Record<string, boolean>, languageId: string): boolean {
  return languages[languageId] ?? languages['*'] ?? true;
}
