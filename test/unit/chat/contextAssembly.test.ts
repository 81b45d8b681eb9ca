import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clipAround, contextChip, fenceFor, fileItem, selectionItem, userMessage, type EditorSnapshot } from '../../../src/chat/contextAssembly';

const source = 'function add(a, b) {\n  return a + b;\n}\n\nexport { add };';
const editor: EditorSnapshot = {
  path: 'src/math/add.js',
  languageId: 'javascript',
  text: source,
  selection: { startLine: 0, endLine: 2, text: 'function add(a, b) {\n  return a + b;\n}' },
};

describe('context assembly', () => {
  it('makes a file chip and a selection chip named after the file', () => {
    assert.deepEqual(contextChip('file', editor), { id: 'file', kind: 'file', label: 'add.js', detail: 'current file' });
    assert.deepEqual(contextChip('selection', editor), { id: 'selection', kind: 'selection', label: 'add.js', detail: 'lines 1–3' });
  });

  it('offers no selection chip for an empty or blank selection', () => {
    assert.equal(contextChip('selection', { ...editor, selection: undefined }), undefined);
    assert.equal(selectionItem({ ...editor, selection: { startLine: 4, endLine: 4, text: '  \n' } }), undefined);
  });

  it('fences the selection with its language and says where it is from', () => {
    assert.equal(
      selectionItem(editor)?.block,
      'Selected code from `src/math/add.js` (lines 1–3):\n```javascript\nfunction add(a, b) {\n  return a + b;\n}\n```',
    );
  });

  it('sends a small file whole', () => {
    assert.equal(fileItem(editor).block, `The file \`src/math/add.js\`:\n\`\`\`javascript\n${source}\n\`\`\``);
  });

  it('clips a long file to the lines around the selection and says which lines', () => {
    const lines = Array.from({ length: 100 }, (_, i) => `line${String(i).padStart(2, '0')}`);
    const big: EditorSnapshot = { path: 'big.txt', languageId: 'plaintext', text: lines.join('\n'), selection: { startLine: 50, endLine: 50, text: 'line50' } };
    const item = fileItem(big, 6 * 7 + 6);
    assert.equal(item.chip.detail, 'lines 48–54');
    assert.match(item.block, /^Part of the file `big.txt` \(lines 48–54 of 100\):\n```plaintext\nline47\n/);
    assert.ok(item.block.includes('line50'));
    assert.deepEqual(clipAround('a\nb\nc', 0, 100), { startLine: 0, endLine: 2, text: 'a\nb\nc' });
  });

  it('uses a fence longer than any backtick run in the code, so the code cannot close it', () => {
    assert.equal(fenceFor('plain'), '```');
    assert.equal(fenceFor('a ``` b'), '````');
    const item = selectionItem({ ...editor, selection: { startLine: 0, endLine: 0, text: '````\n</x>' } });
    assert.match(item?.block ?? '', /\n`````javascript\n````\n<\/x>\n`````$/);
  });

  it('puts context blocks before the question', () => {
    assert.equal(userMessage('Why?', []), 'Why?');
    assert.equal(userMessage('Why?', ['A', 'B']), 'A\n\nB\n\nWhy?');
  });
});
