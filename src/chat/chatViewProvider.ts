/**
 * @file Host side of the chat side panel. Until the chat feature lands the view shows what
 * SmolCode can do today; the message plumbing (nonce CSP, validated protocol) is already real.
 */
import * as vscode from 'vscode';
import { parseFromWebview, type ToWebview } from '../shared/protocol';
import { chatHtml, makeNonce } from './webviewHtml';

export const CHAT_VIEW_ID = 'smolcode.chatView';

export class ChatViewProvider implements vscode.WebviewViewProvider {
  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    const webview = view.webview;
    const distUri = vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview');
    webview.options = { enableScripts: true, localResourceRoots: [distUri] };
    webview.html = chatHtml(
      {
        cspSource: webview.cspSource,
        scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(distUri, 'chat.js')).toString(),
        styleUri: webview.asWebviewUri(vscode.Uri.joinPath(distUri, 'chat.css')).toString(),
      },
      makeNonce(),
    );
    webview.onDidReceiveMessage((raw: unknown) => {
      const message = parseFromWebview(raw);
      if (!message) {
        this.log.warn(`chat view: dropped a malformed message: ${JSON.stringify(raw)?.slice(0, 200)}`);
        return;
      }
      switch (message.type) {
        case 'ready': {
          const reply: ToWebview = {
            type: 'status',
            text: 'Chat is not available in this version yet. See the README\'s Status section for what works today.',
          };
          void webview.postMessage(reply);
          break;
        }
      }
    });
  }
}
