import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inputBoxText, userDraft } from '../../../src/commitMessage/inputBoxText';

describe('the Source Control input box text', () => {
  it('is the message alone when the box had no draft', () => {
    assert.equal(inputBoxText('feat: a', ''), 'feat: a');
    assert.equal(inputBoxText('feat: a', ' \n'), 'feat: a');
  });

  it('keeps the user\'s draft below the message', () => {
    assert.equal(inputBoxText('feat: a', 'Refs #7'), 'feat: a\n\nRefs #7');
    assert.equal(inputBoxText('', 'Refs #7'), 'Refs #7', 'an empty message leaves the draft alone');
  });

  it('takes the whole box as the draft unless it still holds what SmolCode wrote', () => {
    assert.equal(userDraft('Refs #7'), 'Refs #7');
    const last = { text: 'feat: a\n\nRefs #7', draft: 'Refs #7' };
    assert.equal(userDraft('feat: a\n\nRefs #7', last), 'Refs #7', 'asking again replaces the message, keeps the draft');
    assert.equal(userDraft('feat: a, edited\n\nRefs #7', last), 'feat: a, edited\n\nRefs #7', 'an edited message is the user\'s now');
    assert.equal(inputBoxText('fix: b', userDraft(last.text, last)), 'fix: b\n\nRefs #7');
  });
});
