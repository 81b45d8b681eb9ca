import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { languageNamed } from '../../../../src/finetune/dataset/languages';
import { qualityScore, qualitySignals } from '../../../../src/finetune/dataset/quality';
import { findCodeUnits } from '../../../../src/finetune/dataset/samples/codeUnits';

const score = (path: string, text: string) => {
  const language = languageNamed('Python');
  return qualityScore(qualitySignals(path, text, language, findCodeUnits(text, language)));
};

const documented = `"""Temperature conversions."""


def celsius_to_fahrenheit(celsius):
    """Convert degrees Celsius to degrees Fahrenheit."""
    return celsius * 9 / 5 + 32


def fahrenheit_to_celsius(fahrenheit):
    """Convert degrees Fahrenheit to degrees Celsius."""
    return (fahrenheit - 32) * 5 / 9
`;

const noisy = `a = 1
b = 2
def f(q, w): return q + w + a
c = f(a, b); d = f(c, a); e = f(d, c)
c = f(a, b); d = f(c, a); e = f(d, c)
c = f(a, b); d = f(c, a); e = f(d, c)
`;

describe('quality score', () => {
  it('scores documented, well-named code high and terse repeated code low', () => {
    assert.ok(score('conv.py', documented) >= 3.5, `documented: ${score('conv.py', documented)}`);
    assert.ok(score('noisy.py', noisy) < 2.5, `noisy: ${score('noisy.py', noisy)}`);
  });

  it('explains itself through signals in [0, 1], skipping those that do not apply', () => {
    const language = languageNamed('Markdown');
    const signals = qualitySignals('README.md', '# Title\n\nSome prose about the project.\n', language, []);
    assert.equal(signals.docs, undefined);
    assert.equal(signals.structure, undefined);
    for (const value of Object.values(signals)) if (value !== undefined) assert.ok(value >= 0 && value <= 1);
    assert.ok(qualityScore(signals) >= 0 && qualityScore(signals) <= 5);
  });

  it('credits test files', () => {
    const language = languageNamed('Python');
    assert.equal(qualitySignals('tests/test_conv.py', documented, language, []).tests, 1);
    assert.equal(qualitySignals('conv.py', documented, language, []).tests, 0.5);
  });
});
