import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { externalUrl } from '../../../src/chat/links';

describe('links from chat replies', () => {
  it('opens http and https URLs', () => {
    assert.equal(externalUrl('https://code.visualstudio.com/api'), 'https://code.visualstudio.com/api');
    assert.equal(externalUrl(' http://example.com '), 'http://example.com/');
  });

  for (const href of ['javascript:alert(1)', 'JavaScript:alert(1)', 'command:workbench.action.terminal.new', 'file:///etc/passwd', 'data:text/html,x', 'vscode://x', '/relative', '#top', 'not a url']) {
    it(`refuses ${href}`, () => {
      assert.equal(externalUrl(href), undefined);
    });
  }
});
