/**
 * @file The settings `npm start` writes into code-server's user data, without undoing the user's:
 * - User settings (`User/settings.json`) get each default below only where the key is absent,
 *   so a choice made in the Settings editor or by a SmolCode command survives the next start.
 * - Remote "Machine" settings (`Machine/settings.json`) get `smolcode.localModelPath`: it is
 *   machine-overridable, and code-server's workbench is a remote window, which reads settings of
 *   that scope only from this file (test/e2e/support/codeServer.ts found this). The key is ours
 *   while it points into our models folder; a path the user put there is kept. Machine settings
 *   override User settings, which is why nothing else goes there.
 * A file that is not plain JSON (VS Code allows comments) is left untouched, with a warning.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { log } from './children';

type Settings = Record<string, unknown>;

const MODEL_PATH = 'smolcode.localModelPath';

/** User settings for a first start: the model runs on the CPU, the workbench is quiet and offline. */
export const USER_DEFAULTS: Readonly<Settings> = {
  // The imported model runs on any machine; Select Device switches to a GPU where there is one.
  'smolcode.device': 'cpu',
  // Without the imported model (no package index), chat downloads this size from the hub.
  'smolcode.chat.model': 'SmolLM2-135M-Instruct',
  // Opens the sample workspace's README, which says what to try.
  'workbench.startupEditor': 'readme',
  // The secondary side bar holds only VS Code's own chat, switched off below.
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'telemetry.telemetryLevel': 'off',
  // SmolCode is side-loaded, not from a marketplace; the default one may be unreachable.
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  // VS Code's built-in AI chat would sit beside SmolCode's chat and ask to sign in.
  'chat.disableAIFeatures': true,
};

/** `existing` plus every default whose key it lacks, and the keys added. */
export function withDefaults(existing: Readonly<Settings>, defaults: Readonly<Settings>): { settings: Settings; added: string[] } {
  const added = Object.keys(defaults).filter((key) => !(key in existing));
  return { settings: { ...existing, ...Object.fromEntries(added.map((key) => [key, defaults[key]])) }, added };
}

function isInside(path: string, dir: string): boolean {
  const rel = relative(resolve(dir), resolve(path));
  return rel !== '' && rel.split(sep)[0] !== '..' && !isAbsolute(rel);
}

/**
 * Machine settings with `smolcode.localModelPath` at `modelDir` (or, without one, our value
 * removed so the extension downloads), unless the user set a path outside `modelsDir`.
 */
export function withModelPath(existing: Readonly<Settings>, modelDir: string | undefined, modelsDir: string): { settings: Settings; kept?: string } {
  const current = existing[MODEL_PATH];
  const ours = current === undefined || current === '' || (typeof current === 'string' && isInside(current, modelsDir));
  if (!ours) return { settings: { ...existing }, kept: String(current) };
  const settings: Settings = { ...existing };
  if (modelDir) settings[MODEL_PATH] = modelDir;
  else delete settings[MODEL_PATH];
  return { settings };
}

/** The settings in `path`: {} when absent or empty, undefined when it is not plain JSON. */
function readSettings(path: string): Settings | undefined {
  if (!existsSync(path)) return {};
  const text = readFileSync(path, 'utf8');
  if (text.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Settings) : undefined;
  } catch {
    return undefined;
  }
}

function writeSettings(path: string, settings: Settings): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(settings, null, 2)}\n`);
}

/** Paths and values {@link writeStartSettings} needs. */
export interface StartSettings {
  readonly userSettingsFile: string;
  readonly machineSettingsFile: string;
  /** The imported model, or undefined when the extension is to download one. */
  readonly modelDir: string | undefined;
  /** The folder our imports live in; a localModelPath inside it is ours to update. */
  readonly modelsDir: string;
}

/** Merges the defaults into User settings and points Machine settings at the model. */
export function writeStartSettings(options: StartSettings): void {
  const user = readSettings(options.userSettingsFile);
  if (!user) {
    log(`${options.userSettingsFile} is not plain JSON (comments?); left as it is, without SmolCode's defaults`);
  } else {
    const { settings, added } = withDefaults(user, USER_DEFAULTS);
    if (added.length > 0) {
      writeSettings(options.userSettingsFile, settings);
      log(`User settings: added ${added.join(', ')} (${options.userSettingsFile})`);
    }
  }

  const machine = readSettings(options.machineSettingsFile);
  if (!machine) {
    log(`WARNING: ${options.machineSettingsFile} is not plain JSON (comments?); left as it is, so ${MODEL_PATH} is not set to ${options.modelDir ?? '(none)'}`);
    return;
  }
  const { settings, kept } = withModelPath(machine, options.modelDir, options.modelsDir);
  if (kept !== undefined) {
    log(`keeping your ${MODEL_PATH} "${kept}" from ${options.machineSettingsFile} (remove it there to use the imported model)`);
    return;
  }
  if (JSON.stringify(settings) !== JSON.stringify(machine)) {
    writeSettings(options.machineSettingsFile, settings);
    log(`Machine settings: ${MODEL_PATH} = ${options.modelDir ?? '(unset: download from the hub)'} (${options.machineSettingsFile})`);
  }
}
