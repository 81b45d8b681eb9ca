/**
 * @file The SmolCode status bar item: one place that turns the extension's state into text,
 * icon and tooltip, so every part reports state the same way.
 */
import * as vscode from 'vscode';

export type StatusState =
  | { readonly kind: 'idle' }
  | { readonly kind: 'disabled' }
  | { readonly kind: 'loading'; readonly detail: string }
  | { readonly kind: 'generating' }
  | { readonly kind: 'error'; readonly message: string };

const ICONS: Record<StatusState['kind'], string> = {
  idle: '$(check)',
  disabled: '$(circle-slash)',
  loading: '$(loading~spin)',
  generating: '$(sync~spin)',
  error: '$(warning)',
};

function tooltipFor(state: StatusState): string {
  switch (state.kind) {
    case 'idle':
      return 'SmolCode: inline completions on. Click to turn them off.';
    case 'disabled':
      return 'SmolCode: inline completions off. Click to turn them on.';
    case 'loading':
      return `SmolCode: loading ${state.detail}`;
    case 'generating':
      return 'SmolCode: generating';
    case 'error':
      return `SmolCode: ${state.message}. Click to show the log.`;
  }
}

/** Owns the status bar item; call `show(state)` whenever the state changes. */
export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('smolcode.status', vscode.StatusBarAlignment.Right, 100);

  constructor() {
    this.item.name = 'SmolCode';
    this.show({ kind: 'idle' });
    this.item.show();
  }

  show(state: StatusState): void {
    this.item.text = `${ICONS[state.kind]} SmolCode`;
    this.item.tooltip = tooltipFor(state);
    this.item.accessibilityInformation = { label: tooltipFor(state) };
    this.item.command = state.kind === 'error' ? 'smolcode.showLog' : 'smolcode.toggleInlineCompletions';
    this.item.backgroundColor =
      state.kind === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  }

  dispose(): void {
    this.item.dispose();
  }
}
