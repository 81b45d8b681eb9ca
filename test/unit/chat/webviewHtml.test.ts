import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chatHtml, makeNonce } from '../../../src/chat/webviewHtml';

const assets = { cspSource: 'vscode-resource:', scriptUri: 'vscode-resource:/chat.js', styleUri: 'vscode-resource:/chat.css', codiconUri: 'vscode-resource:/codicon.css' };

describe('chat webview HTML', () => {
  it('allows only the nonce-carrying script and no inline code', () => {
    const html = chatHtml(assets, 'abc123');
    const csp = /content="([^"]+)"/.exec(html)?.[1] ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'nonce-abc123'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.match(html, /<script nonce="abc123" src="vscode-resource:\/chat.js"><\/script>/);
    assert.equal(html.match(/<script/g)?.length, 1);
  });

  it('makes a different nonce each time', () => {
    const nonces = new Set(Array.from({ length: 20 }, makeNonce));
    assert.equal(nonces.size, 20);
    for (const nonce of nonces) assert.match(nonce, /^[A-Za-z0-9+/=]{24}$/);
  });
});
