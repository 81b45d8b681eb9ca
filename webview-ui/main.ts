/**
 * @file Chat webview entry. Renders the panel and reacts to validated host messages; every
 * string from the host is inserted as text, never as HTML.
 */
import { parseToWebview } from '../src/shared/protocol';
import { post } from './vscodeApi';

function render(root: HTMLElement): HTMLElement {
  const title = document.createElement('h2');
  title.textContent = 'SmolCode Chat';
  const status = document.createElement('p');
  status.className = 'status';
  status.textContent = 'Connecting to SmolCode…';
  root.replaceChildren(title, status);
  return status;
}

const root = document.getElementById('app');
if (root) {
  const status = render(root);
  window.addEventListener('message', (event: MessageEvent<unknown>) => {
    const message = parseToWebview(event.data);
    if (message?.type === 'status') status.textContent = message.text;
  });
  post({ type: 'ready' });
}
