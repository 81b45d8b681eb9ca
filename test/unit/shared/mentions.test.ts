import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isMentionKind, mentionQueryAt, parseMentions, removeRange, suggestMentions } from '../../../src/shared/mentions';

describe('mentionQueryAt', () => {
  it('finds the @word being typed at the start or after whitespace', () => {
    assert.deepEqual(mentionQueryAt('@', 1), { start: 0, end: 1, query: '' });
    assert.deepEqual(mentionQueryAt('why @pro', 8), { start: 4, end: 8, query: 'pro' });
    assert.deepEqual(mentionQueryAt('first line\n@di and more', 14), { start: 11, end: 14, query: 'di' });
  });

  it('ignores an @ inside a word, after the caret, or followed by a space', () => {
    assert.equal(mentionQueryAt('mail me@example', 15), undefined);
    assert.equal(mentionQueryAt('@file then', 10), undefined);
    assert.equal(mentionQueryAt('x @fi', 2), undefined);
    assert.equal(mentionQueryAt('@decorator(', 11), undefined);
  });
});

describe('suggestMentions', () => {
  it('lists all for a bare @, prefix matches first, then substring matches', () => {
    assert.deepEqual(suggestMentions(''), ['file', 'selection', 'problems', 'diff']);
    assert.deepEqual(suggestMentions('p'), ['problems']);
    assert.deepEqual(suggestMentions('i'), ['file', 'selection', 'diff']);
    assert.deepEqual(suggestMentions('F'), ['file', 'diff']);
    assert.deepEqual(suggestMentions('zz'), []);
  });
});

describe('removeRange', () => {
  it('takes the @word out and leaves single spaces', () => {
    assert.deepEqual(removeRange('@pro', 0, 4), { text: '', caret: 0 });
    assert.deepEqual(removeRange('why @pro now', 4, 8), { text: 'why now', caret: 4 });
    assert.deepEqual(removeRange('why @pro', 4, 8), { text: 'why', caret: 3 });
    assert.deepEqual(removeRange('@d rest', 0, 2), { text: 'rest', caret: 0 });
  });
});

describe('parseMentions', () => {
  it('takes mentions typed in full out of the question, each once, in order', () => {
    assert.deepEqual(parseMentions('@problems why does this fail? see @diff and @problems'), {
      question: 'why does this fail? see and',
      mentions: ['problems', 'diff'],
    });
    assert.deepEqual(parseMentions('Explain @Selection.'), { question: 'Explain.', mentions: ['selection'] });
    assert.deepEqual(parseMentions('line one\n@file\nline two'), { question: 'line one\n\nline two', mentions: ['file'] });
  });

  it('keeps the text when only mentions were typed', () => {
    assert.deepEqual(parseMentions('@problems'), { question: '@problems', mentions: ['problems'] });
  });

  it('leaves unknown words, e-mail addresses and code alone', () => {
    assert.deepEqual(parseMentions('ask @someone at me@diff.org about @files'), { question: 'ask @someone at me@diff.org about @files', mentions: [] });
    const code = 'what does `@file` do in\n```ts\n@diff\nclass A {}\n```\nhere';
    assert.deepEqual(parseMentions(code), { question: code, mentions: [] });
  });

  it('knows the kinds', () => {
    assert.equal(isMentionKind('diff'), true);
    assert.equal(isMentionKind('git'), false);
    assert.equal(isMentionKind(undefined), false);
  });
});
