import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extractCode } from '../../../src/inlineEdit/extractCode';

describe('taking the rewritten code out of a reply', () => {
  it('takes the fenced block, not the sentences around it', () => {
    assert.equal(extractCode('Here it is:\n```python\ndef f(count):\n    return count\n```\nI renamed x.'), 'def f(count):\n    return count');
  });

  it('keeps the indentation inside the block and drops blank lines at its ends', () => {
    assert.equal(extractCode('```ts\n\n    a();\n      b();\n\n```'), '    a();\n      b();');
  });

  it('takes a block cut off before its closing fence (the length limit)', () => {
    assert.equal(extractCode('```js\nfunction f() {\n  return 1;'), 'function f() {\n  return 1;');
  });

  it('takes the whole reply when there is no fence', () => {
    assert.equal(extractCode('\nx = 1\ny = 2\n'), 'x = 1\ny = 2');
  });

  it('skips an empty block for the first one with code', () => {
    assert.equal(extractCode('```\n```\ntext\n```go\nfmt.Println()\n```'), 'fmt.Println()');
  });

  it('closes a block only with a fence of its own character and at least its length', () => {
    assert.equal(extractCode('````md\n```py\nx\n```\n````'), '```py\nx\n```');
    assert.equal(extractCode('~~~\na\n```\nb\n~~~'), 'a\n```\nb');
  });

  it('reads Windows line endings', () => {
    assert.equal(extractCode('```c\r\nint x;\r\n```\r\n'), 'int x;');
  });

  it('gives an empty string when the reply has no code', () => {
    assert.equal(extractCode(''), '');
    assert.equal(extractCode('```python\n\n```'), '');
  });
});
