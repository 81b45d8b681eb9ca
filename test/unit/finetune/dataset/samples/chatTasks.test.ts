import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { languageNamed } from '../../../../../src/finetune/dataset/languages';
import { chatSamples, dedent, MISSING_MARKER } from '../../../../../src/finetune/dataset/samples/chatTasks';
import { findCodeUnits } from '../../../../../src/finetune/dataset/samples/codeUnits';
import { keyedRandom } from '../../../../../src/finetune/dataset/split';
import { DEFAULT_MIXTURE, parseMixture } from '../../../../../src/finetune/dataset/types';

const language = languageNamed('TypeScript');
const source = `class Stats {
  /** Returns the mean of the values, or NaN when there are none. */
  mean(values: number[]): number {
    let total = 0;
    for (const value of values) {
      total += value;
    }
    const count = values.length;
    return total / count;
  }
}
`;
const [unit] = findCodeUnits(source, language);
const all = parseMixture({ code: 1, docToCode: 1, signatureToBody: 1, prefixToRest: 1, fillInMiddle: 1 });
const lines = dedent(source.split('\n').slice(1, 10));

const code = (content: string) => /```typescript\n([\s\S]*)\n```/.exec(content)?.[1] ?? '';

describe('chat tasks from a function', () => {
  const samples = chatSamples(unit!, language, all, keyedRandom(0, 'stats.ts'));
  const byKind = Object.fromEntries(samples.map((s) => [s.kind, s.messages]));

  it('makes every kind when the mixture asks for all', () => {
    assert.deepEqual(samples.map((s) => s.kind), ['docToCode', 'signatureToBody', 'prefixToRest', 'fillInMiddle']);
    for (const s of samples) assert.deepEqual(s.messages.map((m) => m.role), ['user', 'assistant']);
  });

  it('answers documentation with the dedented implementation', () => {
    assert.match(byKind.docToCode?.[0]?.content ?? '', /Returns the mean of the values/);
    assert.equal(code(byKind.docToCode?.[1]?.content ?? ''), lines.slice(1).join('\n'));
  });

  it('splits the function so that question and answer rebuild it', () => {
    for (const kind of ['signatureToBody', 'prefixToRest'] as const) {
      const [user, assistant] = byKind[kind] ?? [];
      assert.equal(`${code(user?.content ?? '')}\n${code(assistant?.content ?? '')}`, lines.join('\n'), kind);
    }
  });

  it('asks to fill a marked gap with the lines it replaced', () => {
    const [user, assistant] = byKind.fillInMiddle ?? [];
    const shown = code(user?.content ?? '').split('\n');
    const at = shown.findIndex((l) => l.trim() === MISSING_MARKER);
    const missing = code(assistant?.content ?? '').split('\n');
    assert.deepEqual([...shown.slice(0, at), ...missing, ...shown.slice(at + 1)], lines);
  });

  it('makes nothing of a kind whose rate is 0 and is deterministic for a seed', () => {
    const none = chatSamples(unit!, language, { ...all, fillInMiddle: 0, docToCode: 0 }, keyedRandom(0, 'stats.ts'));
    assert.deepEqual(none.map((s) => s.kind), ['signatureToBody', 'prefixToRest']);
    assert.deepEqual(chatSamples(unit!, language, DEFAULT_MIXTURE, keyedRandom(5, 'k')), chatSamples(unit!, language, DEFAULT_MIXTURE, keyedRandom(5, 'k')));
  });

  it('rejects a mixture with an unknown kind or a rate outside [0, 1]', () => {
    assert.throws(() => parseMixture({ fim: 1 }), /unknown sample kind "fim" in the mixture; known: code, docToCode/);
    assert.throws(() => parseMixture({ code: 2 }), /mixture.code must be a number from 0 to 1, got 2/);
  });
});
