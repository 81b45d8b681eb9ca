import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { languageNamed, type LanguageName } from '../../../../../src/finetune/dataset/languages';
import { findCodeUnits } from '../../../../../src/finetune/dataset/samples/codeUnits';

const CASES: readonly { language: LanguageName; text: string; names: string[]; doc: string }[] = [
  {
    language: 'TypeScript',
    text: '/** Adds two numbers. */\nexport function add(a: number, b: number): number {\n  return a + b;\n}\n\nif (x) {\n  y();\n}\n',
    names: ['add'],
    doc: 'Adds two numbers.',
  },
  {
    language: 'Python',
    text: 'import os\n\n@cache\ndef home(user):\n    """Return the home folder of user."""\n    base = os.sep\n    return base + user\n\nprint(home("a"))\n',
    names: ['home'],
    doc: 'Return the home folder of user.',
  },
  { language: 'Go', text: '// Double returns twice n.\nfunc Double(n int) int {\n\treturn n * 2\n}\n', names: ['Double'], doc: 'Double returns twice n.' },
  { language: 'Rust', text: '/// Squares x.\npub fn square(x: i32) -> i32 {\n    x * x\n}\n', names: ['square'], doc: 'Squares x.' },
  { language: 'Ruby', text: '# Greets.\ndef greet(name)\n  "hi #{name}"\nend\n', names: ['greet'], doc: 'Greets.' },
  { language: 'Java', text: 'class A {\n    /** Halves. */\n    int half(int n) {\n        return n / 2;\n    }\n}\n', names: ['half'], doc: 'Halves.' },
  { language: 'Shell', text: '# Says hello.\nhello() {\n  echo hello\n}\n', names: ['hello'], doc: 'Says hello.' },
];

describe('finding functions', () => {
  for (const { language, text, names, doc } of CASES) {
    it(`finds ${names.join(', ')} in ${language} with its documentation`, () => {
      const units = findCodeUnits(text, languageNamed(language));
      assert.deepEqual(units.map((u) => u.name), names);
      assert.equal(units[0]?.doc, doc);
    });
  }

  it('splits a Python function into head (with docstring) and body', () => {
    const [unit] = findCodeUnits(CASES[1]?.text ?? '', languageNamed('Python'));
    assert.deepEqual(unit?.head, ['@cache', 'def home(user):', '    """Return the home folder of user."""']);
    assert.deepEqual(unit?.body, ['    base = os.sep', '    return base + user']);
  });

  it('skips a function whose closing line is missing', () => {
    assert.deepEqual(findCodeUnits('function broken() {\n  return 1;\n', languageNamed('JavaScript')), []);
  });

  it('finds nothing in Markdown or SQL', () => {
    assert.deepEqual(findCodeUnits('# Title\n', languageNamed('Markdown')), []);
    assert.deepEqual(findCodeUnits('SELECT 1;\n', languageNamed('SQL')), []);
  });
});
