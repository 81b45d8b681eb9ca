import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commonIndent, keepIndentation } from '../../../src/inlineEdit/indentation';

describe('keeping the selection\'s indentation', () => {
  it('finds the shortest indentation of the non-blank lines', () => {
    assert.equal(commonIndent('    def f():\n\n        pass'), '    ');
    assert.equal(commonIndent('\tif x:\n\t\ty()'), '\t');
    assert.equal(commonIndent('a\n  b'), '');
    assert.equal(commonIndent('\n  \n'), '');
  });

  it('puts a method the model wrote at column 0 back under its class', () => {
    const selection = '    def area(self):\n        return self.w * self.h';
    const code = 'def area(self):\n    """The area."""\n    return self.w * self.h';
    assert.equal(keepIndentation(code, selection), '    def area(self):\n        """The area."""\n        return self.w * self.h');
  });

  it('removes indentation the model added', () => {
    assert.equal(keepIndentation('  x = 1\n  if x:\n    y()', 'x = 0\nif x:\n  z()'), 'x = 1\nif x:\n  y()');
  });

  it('leaves code alone that already has the selection\'s indentation, and empties blank lines when shifting', () => {
    assert.equal(keepIndentation('\tfoo()\n\n\tbar()', '\tbaz()'), '\tfoo()\n\n\tbar()');
    assert.equal(keepIndentation('a()\n   \nb()', '  c()'), '  a()\n\n  b()');
  });
});
