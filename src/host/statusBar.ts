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

  /** `backend` names a non-local backend (`remote: host`); the local engine is the unnamed default. */
  show(state: StatusState, backend?: string): void {
    const tooltip = tooltipFor(state) + (backend ? ` Backend: ${backend}.` : '');
    this.item.text = `${ICONS[state.kind]} SmolCode${backend ? ` (${backend})` : ''}`;
    this.item.tooltip = tooltip;
    this.item.accessibilityInformation = { label: tooltip };
    this.item.command = state.kind === 'error' ? 'smolcode.showLog' : 'smolcode.toggleInlineCompletions';
    this.item.backgroundColor =
      state.kind === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  }

  dispose(): void {
    this.item.dispose();
  }
}

/**
 * Combines what the parts report (completion switch, model loading, requests in flight,
 * errors) into the one state the status bar shows: error, then loading, then generating,
 * then on or off.
 */
export class StatusModel {
  private enabled = true;
  private loading: string | undefined;
  private busy = 0;
  private error: string | undefined;
  private backend: string | undefined;

  constructor(private readonly bar: StatusBar) {}

  /** Names the backend in use when it is not the local engine (undefined: local). */
  setBackend(label: string | undefined): void {
    this.backend = label;
    this.render();
  }

  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    this.render();
  }

  setLoading(what: string | undefined): void {
    this.loading = what;
    if (what) this.error = undefined;
    this.render();
  }

  setBusy(busy: boolean): void {
    this.busy = Math.max(0, this.busy + (busy ? 1 : -1));
    this.render();
  }

  setError(message: string | undefined): void {
    this.error = message;
    this.render();
  }

  private render(): void {
    if (this.error) this.bar.show({ kind: 'error', message: this.error }, this.backend);
    else if (this.loading) this.bar.show({ kind: 'loading', detail: this.loading }, this.backend);
    else if (this.busy > 0) this.bar.show({ kind: 'generating' }, this.backend);
    else this.bar.show({ kind: this.enabled ? 'idle' : 'disabled' }, this.backend);
  }
}
