/**
 * @file Typed access to the `smolcode.*` settings through VS Code. The keys and value types
 * are declared once, in `settingsSchema.ts`.
 */
import * as vscode from 'vscode';
import type { SettingKey, SettingTypes } from './settingsSchema';

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
