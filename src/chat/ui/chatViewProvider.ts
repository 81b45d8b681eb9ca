/**
 * @file Host side of the chat webview: serves the page (nonce CSP, resources only from
 * dist/webview), validates every message it posts and hands valid ones on; posts typed
 * messages back. What the messages do is decided in chatFeature.ts.
 */
import * as vscode from 'vscode';
import { parseFromWebview, type FromWebview, type ToWebview } from '../../shared/protocol';
import { chatHtml, makeNonce } from '../webviewHtml';

export const CHAT_VIEW_ID = 'smolcode.chatView';

export class ChatViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private readonly received = new vscode.EventEmitter<FromWebview>();

  /** Valid messages from the webview. */
  readonly onMessage = this.received.event;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const webview = view.webview;
    const distUri = vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview');
    webview.options = { enableScripts: true, enableCommandUris: false, localResourceRoots: [distUri] };
    const asset = (name: string) => webview.asWebviewUri(vscode.Uri.joinPath(distUri, name)).toString();
    webview.html = chatHtml(
      { cspSource: webview.cspSource, scriptUri: asset('chat.js'), styleUri: asset('chat.css'), codiconUri: asset('codicon.css') },
      makeNonce(),
    );
    webview.onDidReceiveMessage((raw: unknown) => {
      const message = parseFromWebview(raw);
      if (!message) {
        this.log.warn(`chat view: dropped a malformed message: ${JSON.stringify(raw)?.slice(0, 200)}`);
        return;
      }
      this.received.fire(message);
    });
    view.onDidDispose(() => {
      if (this.view === view) this.view = undefined;
    });
  }

  /** Posts to the webview if it is showing; a hidden view asks for the full state when shown. */
  post(message: ToWebview): void {
    void this.view?.webview.postMessage(message);
  }

  dispose(): void {
    this.received.dispose();
  }
}
