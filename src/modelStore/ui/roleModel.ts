/**
 * @file The one place that decides which model folder a role runs: the role's model from the
 * settings (downloaded with progress, or the local folder), or the adapter chosen for the role
 * (loaded merged, merging first when needed), a GGUF file (imported once), and whether the download needs the float weights
 * that the fused graph is built from. ModelService calls it whenever a role's model must load.
 */
import type * as vscode from 'vscode';
import { resolveAdapterModel, adapterSettingKey } from '../../finetune/ui/adapterCommands';
import type { ModelLocation, ResolveModel } from '../../host/modelService';
import type { Settings } from '../../host/settings';
import type { WorkerClient } from '../../worker/client';
import { needsFloatWeights } from '../catalog';
import { ensureModelWithProgress } from './downloadUi';
import { modelFingerprint, type CurrentBase } from '../../finetune/adapterBase';

/** What resolving a role's model needs from the extension. */
export interface RoleModelDeps {
  readonly settings: Settings;
  readonly storageUri: vscode.Uri;
  /** The jobs worker, which merges an adapter when it has no merged model yet. */
  readonly jobs: WorkerClient;
  readonly log: vscode.LogOutputChannel;
}

/** Resolves the model folder of a role for the current settings; see the file header. */
export function roleModelResolver({ settings, storageUri, jobs, log }: RoleModelDeps): ResolveModel {
  return async (role, signal): Promise<ModelLocation> => {
    const model = role === 'completion' ? settings.get('completion.model') : settings.get('chat.model');
    const dtype = settings.get('dtype');
    const base = (weights: boolean) => ensureModelWithProgress({ model, dtype, weights }, { settings, storageUri, jobs, log }, signal);
    const adapter = settings.get(adapterSettingKey(role)).trim();
    // A local base (folder or GGUF import) resolves without a download, so its weights can be fingerprinted; a catalog base is named.
    const currentBase = async (): Promise<CurrentBase> => {
      if (!settings.get('localModelPath').trim()) return { kind: 'catalog', id: model };
      const { dir } = await base(false);
      return { kind: 'local', dir, fingerprint: modelFingerprint(dir) };
    };
    if (adapter) return resolveAdapterModel(role, adapter, dtype, { jobs, log, baseModel: base, currentBase }, signal);
    const resolved = await base(needsFloatWeights({ fusedGraph: settings.get('fusedGraph'), localModelPath: settings.get('localModelPath'), dtype }));
    return { dir: resolved.dir, tokenizerDir: resolved.tokenizerDir, dtype: resolved.dtype };
  };
}
