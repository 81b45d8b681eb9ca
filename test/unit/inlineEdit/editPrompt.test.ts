import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EDIT_SYSTEM_PROMPT, editMessages, editUserMessage } from '../../../src/inlineEdit/editPrompt';

const request = {
  languageId: 'python',
  path: 'geometry/circle.py',
  selection: 'def area(r):\n    return 3.14 * r * r',
  before: ['import math', ''],
  after: ['', 'print(area(2))'],
  instruction: '  use math.pi  ',
};

describe('the prompt of an inline edit', () => {
  it('gives the file, the context above, the selection, the context below, then the instruction', () => {
    assert.equal(
      editUserMessage(request),
      [
        'File: geometry/circle.py (python)',
        'Code above the selection (context only, do not repeat it):\n```python\nimport math\n\n```',
        'Selected code:\n```python\ndef area(r):\n    return 3.14 * r * r\n```',
        'Code below the selection (context only, do not repeat it):\n```python\n\nprint(area(2))\n```',
        'Instruction: use math.pi',
        'Reply with the rewritten selected code only, in one ```python block.',
      ].join('\n\n'),
    );
  });

  it('leaves out empty context blocks', () => {
    const text = editUserMessage({ ...request, before: [], after: [] });
    assert.ok(!text.includes('context only'), text);
  });

  it('fences code that holds backticks with a longer fence', () => {
    const text = editUserMessage({ ...request, languageId: 'markdown', selection: '```js\nx\n```', before: [], after: [] });
    assert.ok(text.includes('Selected code:\n````markdown\n```js\nx\n```\n````'), text);
  });

  it('sends the system prompt and one user message', () => {
    const messages = editMessages(request);
    assert.deepEqual(messages.map((m) => m.role), ['system', 'user']);
    assert.equal(messages[0].content, EDIT_SYSTEM_PROMPT);
  });
});
