/**
 * @file Typed access to the `smolcode.*` settings. Every key is listed once here, with the
 * value type the manifest declares; the rest of the extension reads settings through `Settings`.
 */
import * as vscode from 'vscode';

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
  'completion.model': (typeof COMPLETION_MODELS)[number];
  'chat.model': (typeof CHAT_MODELS)[number];
  dtype: Dtype;
  device: Device;
  threads: number;
  localModelPath: string;
  hubEndpoint: string;
  tokenizerPath: string;
}

export type SettingKey = keyof SettingTypes;

const SECTION = 'smolcode';

/** Reads and writes SmolCode's settings with their declared types. */
export class Settings {
  get<K extends SettingKey>(key: K, scope?: vscode.ConfigurationScope): SettingTypes[K] {
    const value = vscode.workspace.getConfiguration(SECTION, scope).get<SettingTypes[K]>(key);
    if (value === undefined) throw new Error(`setting smolcode.${key} has no default in package.json`);
    return value;
  }

  /** Writes a user-level (global) setting. */
  async set<K extends SettingKey>(key: K, value: SettingTypes[K]): Promise<void> {
    await vscode.workspace.getConfiguration(SECTION).update(key, value, vscode.ConfigurationTarget.Global);
  }

  /** Calls `listener` whenever one of `keys` changes. */
  onDidChange(keys: readonly SettingKey[], listener: () => void): vscode.Disposable {
    return vscode.workspace.onDidChangeConfiguration((event) => {
      if (keys.some((key) => event.affectsConfiguration(`${SECTION}.${key}`))) listener();
    });
  }
}

/**
 * Whether inline completions are on for a language, from the per-language map: an explicit
 * entry wins, then `*`, then on.
 */
export function isLanguageEnabled(languages: Record<string, boolean>, languageId: string): boolean {
  return languages[languageId] ?? languages['*'] ?? true;
}
