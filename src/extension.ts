/**
 * @file SmolCode's activation: builds the parts, wires them together and hands every
 * disposable to VS Code. No feature logic lives here.
 */
import './shared/telemetry';
import * as vscode from 'vscode';
import { ChatViewProvider, CHAT_VIEW_ID } from './chat/chatViewProvider';
import { registerPendingCommands } from './commands/pending';
import { selectDevice, selectModel, toggleInlineCompletions } from './commands/settingsCommands';
import { Settings } from './config';
import { StatusBar } from './statusBar';

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('SmolCode', { log: true });
  const settings = new Settings();
  const statusBar = new StatusBar();
  const showCompletionState = () =>
    statusBar.show({ kind: settings.get('completion.enabled') ? 'idle' : 'disabled' });
  showCompletionState();

  context.subscriptions.push(
    log,
    statusBar,
    settings.onDidChange(['completion.enabled'], showCompletionState),
    vscode.window.registerWebviewViewProvider(CHAT_VIEW_ID, new ChatViewProvider(context.extensionUri, log)),
    vscode.commands.registerCommand('smolcode.openChat', () =>
      vscode.commands.executeCommand(`${CHAT_VIEW_ID}.focus`),
    ),
    vscode.commands.registerCommand('smolcode.showLog', () => log.show()),
    vscode.commands.registerCommand('smolcode.toggleInlineCompletions', () => toggleInlineCompletions(settings)),
    vscode.commands.registerCommand('smolcode.selectModel', () => selectModel(settings)),
    vscode.commands.registerCommand('smolcode.selectDevice', () => selectDevice(settings)),
    ...registerPendingCommands(log),
  );

  const version = (context.extension.packageJSON as { version?: string }).version ?? 'unknown';
  log.info(`SmolCode activated (version ${version}, VS Code ${vscode.version}, ${process.platform}-${process.arch})`);
}

export function deactivate(): void {}
