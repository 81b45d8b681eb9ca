/**
 * @file SmolCode's activation: builds the parts, wires them together and hands every
 * disposable to VS Code. No feature logic lives here.
 */
import './runtime/telemetry';
import { rm } from 'node:fs/promises';
import * as vscode from 'vscode';
import { modelServiceBackend } from './chat/ui/modelServiceBackend';
import { registerChat } from './chat/ui/chatFeature';
import { CHAT_VIEW_ID } from './chat/ui/chatViewProvider';
import { registerCommitMessageCommand } from './commitMessage/ui/commitMessageCommand';
import { registerInlineEdit } from './inlineEdit/ui/inlineEditFeature';
import { selectDevice, toggleInlineCompletions } from './host/settingsCommands';
import { selectModel } from './modelStore/ui/modelPicker';
import { findLeftovers } from './runtime/leftovers';
import { Settings } from './host/settings';
import { adaptersRoot, SELECT_ADAPTER_COMMAND, selectAdapter } from './finetune/ui/adapterCommands';
import { registerDatasetCommand } from './finetune/ui/datasetCommand';
import { registerExportTrainingCommand } from './finetune/ui/exportTrainingCommand';
import { registerFinetuneCommands } from './finetune/ui/finetuneCommand';
import { registerExportGgufCommand } from './finetune/ui/exportGgufCommand';
import { CompletionService } from './completion/service';
import { templateFor } from './completion/template/promptTemplate';
import { fimRecordReader } from './finetune/ui/adapterFolder';
import { roleModelResolver } from './modelStore/ui/roleModel';
import { VsCodeDefinitionResolver } from './completion/ui/definitionResolver';
import { EditorHistory } from './completion/ui/editorHistory';
import { describeRequest, InlineProvider } from './completion/ui/inlineProvider';
import { modelServiceRunner } from './completion/ui/modelServiceRunner';
import { ModelService } from './host/modelService';
import { MODEL_SETTINGS } from './host/settingsSchema';
import { isAbortError } from './modelStore/errors';
import { WorkerClient } from './worker/client';
import { StatusBar, StatusModel } from './host/statusBar';
import { crashLoopStatus, isWorkerCrashLoop, showWorkerCrashLoop } from './host/workerCrashNotice';
import { RemoteBackend, REMOTE_SETTINGS, SET_API_KEY_COMMAND } from './remote/ui/remoteBackend';

/** Niceness of the jobs worker (dataset building, fine-tuning): below normal, so the editor and completions come first. */
const JOBS_PRIORITY = 10;

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('SmolCode', { log: true });
  const settings = new Settings();
  const statusBar = new StatusBar();
  const status = new StatusModel(statusBar);
  status.setEnabled(settings.get('completion.enabled'));
  const shownErrors = new Set<string>();
  /** Shows a model failure in the status bar, and once per message as a notification. */
  const showError = (error: Error) => {
    const message = isAbortError(error) ? 'the model download was cancelled; it resumes on the next request' : error.message;
    status.setError(message);
    if (shownErrors.has(message)) return;
    shownErrors.add(message);
    // A bad adapter folder is fixed by choosing another adapter (or None); a refused key by setting it.
    const fix = error.name === 'AdapterFolderError' ? 'Select Adapter' : (error as { kind?: string }).kind === 'auth' ? 'Set Remote API Key' : undefined;
    void vscode.window.showErrorMessage(`SmolCode: ${message}`, ...(fix ? [fix] : []), 'Show Log').then((pick) => {
      if (pick === 'Show Log') log.show();
      else if (pick === 'Select Adapter') void vscode.commands.executeCommand(SELECT_ADAPTER_COMMAND);
      else if (pick === 'Set Remote API Key') void vscode.commands.executeCommand(SET_API_KEY_COMMAND);
    });
  };
  // Remote requests go out only with smolcode.backend "openai" and a URL; otherwise the worker's engine runs.
  const remote = new RemoteBackend(settings, context.secrets, log);
  status.setBackend(remote.label());
  let remoteFailed = false;
  // Temporary folders of merges, downloads and builds that a killed process left behind.
  // The walk only lists folders; the removals (an interrupted 1.7B build is 1.5 GB) run off the host's thread.
  const cleanup = setTimeout(() => {
    for (const path of findLeftovers(context.globalStorageUri.fsPath)) {
      rm(path, { recursive: true, force: true }).then(
        () => log.info(`removed the leftover ${path}`),
        (error: unknown) => log.warn(`could not remove the leftover ${path}: ${(error as Error).message}`),
      );
    }
  }, 2000);
  context.subscriptions.push({ dispose: () => clearTimeout(cleanup) });

  // Long jobs (dataset building, fine-tuning) get their own process so completions stay fast.
  const jobs: WorkerClient = new WorkerClient({
    workerPath: context.asAbsolutePath('dist/worker.mjs'),
    log: (level, message) => log[level](`jobs ${message}`),
    priority: JOBS_PRIORITY,
    onCrashLoop: (error) => void showWorkerCrashLoop(error, { log, status, restart: () => jobs.restart() }),
  });
  const client: WorkerClient = new WorkerClient({
    workerPath: context.asAbsolutePath('dist/worker.mjs'),
    log: (level, message) => log[level](message),
    onCrashLoop: (error) => void showWorkerCrashLoop(error, { log, status, restart: () => client.restart() }),
  });
  const models = new ModelService(
    client,
    settings,
    roleModelResolver({ settings, storageUri: context.globalStorageUri, jobs, log }),
    log,
    {
      onLoading: (role, what) => status.setLoading(`${what} for ${role}`),
      onLoaded: () => status.setLoading(undefined),
      onError: (_role, error) => {
        status.setLoading(undefined);
        // Already shown once, with its Restart action, by the client's onCrashLoop; only the status bar is due.
        if (isWorkerCrashLoop(error)) return status.setError(crashLoopStatus(error));
        showError(error);
      },
    },
  );

  // The completion adapter's folder says whether it learned FIM; the template follows it, locally and remotely.
  const fimRecordOf = fimRecordReader((error) => log.warn(`completion adapter: ${error.message}; using the setting's template`));
  const completion = new CompletionService(
    remote.runModel(
      modelServiceRunner(models),
      (error) => {
        remoteFailed = true;
        showError(error);
      },
      () => {
        // The server is back (or the setting fixed): its old error no longer holds.
        if (remoteFailed) status.setError(undefined);
        remoteFailed = false;
      },
    ),
    () => ({
      template: templateFor(fimRecordOf(settings.get('completion.adapter').trim()), settings.get('completion.template')),
      maxNewTokens: settings.get('completion.maxTokens'),
      maxLines: settings.get('completion.maxLines'),
      timeBudgetMs: settings.get('completion.timeBudgetMs'),
      debounceMinMs: settings.get('completion.debounceMinMs'),
      debounceMaxMs: settings.get('completion.debounceMaxMs'),
      speculative: settings.get('completion.speculative'),
      choices: settings.get('completion.choices'),
    }),
    (request) => log.debug(describeRequest(request)),
  );
  const history = new EditorHistory();

  context.subscriptions.push(
    log,
    statusBar,
    models,
    jobs,
    history,
    remote,
    settings.onDidChange(REMOTE_SETTINGS, () => {
      completion.reset();
      status.setBackend(remote.label());
      if (remoteFailed) status.setError(undefined);
      remoteFailed = false;
      shownErrors.clear();
    }),
    settings.onDidChange(['completion.enabled'], () => status.setEnabled(settings.get('completion.enabled'))),
    settings.onDidChange(MODEL_SETTINGS, () => {
      // Another model or device may not crash the worker as the last one did.
      client.restart();
      models.reset();
      completion.reset();
      status.setError(undefined);
      shownErrors.clear();
    }),
    vscode.languages.registerInlineCompletionItemProvider(
      { pattern: '**' },
      new InlineProvider(completion, history, settings, (busy) => status.setBusy(busy), new VsCodeDefinitionResolver()),
    ),
    ...registerChat({ extensionUri: context.extensionUri, backend: remote.chatBackend(modelServiceBackend(models, () => settings.get('chat.temperature')), () => settings.get('chat.temperature')), workspaceState: context.workspaceState, settings, log }),
    registerCommitMessageCommand({ backend: remote.chatBackend(modelServiceBackend(models, () => settings.get('chat.temperature')), () => settings.get('chat.temperature')), log }),
    ...registerInlineEdit({ backend: remote.chatBackend(modelServiceBackend(models, () => settings.get('chat.temperature')), () => settings.get('chat.temperature')), state: context.globalState, log }),
    vscode.commands.registerCommand('smolcode.openChat', () => vscode.commands.executeCommand(`${CHAT_VIEW_ID}.focus`)),
    vscode.commands.registerCommand('smolcode.showLog', () => log.show()),
    vscode.commands.registerCommand(SET_API_KEY_COMMAND, () => remote.setApiKey()),
    vscode.commands.registerCommand('smolcode.restartWorkers', () => {
      // After a crash loop the workers stay down until asked; this asks without a model change.
      client.restart();
      jobs.restart();
      models.reset();
      completion.reset();
      status.setError(undefined);
      shownErrors.clear();
      log.info('restart requested from the command palette');
    }),
    vscode.commands.registerCommand('smolcode.toggleInlineCompletions', () => toggleInlineCompletions(settings)),
    vscode.commands.registerCommand('smolcode.triggerInlineCompletion', () => vscode.commands.executeCommand('editor.action.inlineSuggest.trigger')),
    vscode.commands.registerCommand('smolcode.selectModel', () => selectModel(settings, jobs, log)),
    vscode.commands.registerCommand('smolcode.selectDevice', () => selectDevice(settings)),
    registerDatasetCommand(context, log, settings, jobs),
    registerExportTrainingCommand(context, log, settings, jobs),
    ...registerFinetuneCommands({ context, log, settings, jobs }),
    registerExportGgufCommand({ context, log, settings, jobs }),
    vscode.commands.registerCommand(SELECT_ADAPTER_COMMAND, () => selectAdapter(settings, adaptersRoot(context))),
  );

  const version = (context.extension.packageJSON as { version?: string }).version ?? 'unknown';
  log.info(`SmolCode activated (version ${version}, VS Code ${vscode.version}, ${process.platform}-${process.arch})`);
}

export function deactivate(): void {}
