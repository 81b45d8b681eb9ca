import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EDIT_SYSTEM_PROMPT, editMessages, editUserMessage, languageName } from '../../../src/inlineEdit/editPrompt';

const request = {
  languageId: 'python',
  selection: 'def area(r):\n    return 3.14 * r * r',
  before: ['import math', ''],
  after: ['', 'print(area(2))'],
  instruction: '  use math.pi  ',
};

describe('the prompt of an inline edit', () => {
  it('gives the context above and below, then the instruction, then the selection', () => {
    assert.equal(
      editUserMessage(request),
      [
        'The lines above the code (do not rewrite them):\n```python\nimport math\n\n```',
        'The lines below the code (do not rewrite them):\n```python\n\nprint(area(2))\n```',
        'Rewrite this Python code: use math.pi.',
        '```python\ndef area(r):\n    return 3.14 * r * r\n```',
      ].join('\n\n'),
    );
  });

  it('names languages as people write them and ends the instruction with one full stop', () => {
    assert.deepEqual(['typescript', 'cpp', 'go', 'rust'].map(languageName), ['TypeScript', 'C++', 'Go', 'Rust']);
    assert.ok(editUserMessage({ ...request, instruction: 'Add a docstring. ' }).includes('Rewrite this Python code: Add a docstring.\n'));
  });

  it('leaves out empty context blocks', () => {
    const text = editUserMessage({ ...request, before: [], after: [] });
    assert.ok(!text.includes('do not rewrite'), text);
  });

  it('fences code that holds backticks with a longer fence', () => {
    const text = editUserMessage({ ...request, languageId: 'markdown', selection: '```js\nx\n```', before: [], after: [] });
    assert.ok(text.endsWith('\n\n````markdown\n```js\nx\n```\n````'), text);
  });

  it('sends the system prompt and one user message', () => {
    const messages = editMessages(request);
    assert.deepEqual(messages.map((m) => m.role), ['system', 'user']);
    assert.equal(messages[0].content, EDIT_SYSTEM_PROMPT);
  });
});
