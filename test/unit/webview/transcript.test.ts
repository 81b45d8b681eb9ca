import '../../support/webviewDom';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MarkdownRenderer } from '../../../webview-ui/markdown';
import { MAX_MARKDOWN_CHARS } from '../../../webview-ui/messageContent';
import { TranscriptView } from '../../../webview-ui/transcript';
import { chatState, turn } from '../../support/chatState';
import { render as realRender } from '../../support/renderedMarkdown';

/** A transcript whose renderer records what it was asked to render, and throws on `poison`. */
function recordingTranscript(poison?: string) {
  const rendered: string[] = [];
  const render: MarkdownRenderer = (markdown) => {
    rendered.push(markdown);
    if (markdown === poison) throw new RangeError('Maximum call stack size exceeded');
    return realRender(markdown);
  };
  const view = new TranscriptView(document.createElement('section'), render);
  const articles = () => Array.from(view.element.querySelectorAll('article.turn'));
  return { view, rendered, articles };
}

const conversation = [turn('user', 'first *question*'), turn('assistant', 'first answer', 'stop'), turn('user', 'second question')];

describe('TranscriptView', () => {
  it('re-renders only the streaming reply; the other turns keep their nodes', () => {
    const { view, rendered, articles } = recordingTranscript();
    view.update(chatState([...conversation, turn('assistant', 'Par')], { streaming: true }));
    const before = articles();
    rendered.length = 0;

    view.update(chatState([...conversation, turn('assistant', 'Partial reply')], { streaming: true }));

    assert.deepEqual(rendered, ['Partial reply']);
    const after = articles();
    assert.equal(after.length, 4);
    for (let i = 0; i < 3; i++) assert.equal(after[i], before[i], `turn ${i} was rebuilt`);
    assert.notEqual(after[3], before[3]);
    assert.equal(after[3]?.querySelector('.content')?.textContent?.trim(), 'Partial reply');
  });

  it('adds Regenerate to the last reply when streaming ends, rebuilding that turn alone', () => {
    const { view, rendered, articles } = recordingTranscript();
    view.update(chatState([...conversation, turn('assistant', 'Done.')], { streaming: true }));
    const before = articles();
    rendered.length = 0;

    view.update(chatState([...conversation, turn('assistant', 'Done.', 'stop')]));

    assert.deepEqual(rendered, ['Done.']);
    assert.deepEqual(articles().slice(0, 3), before.slice(0, 3));
    assert.equal(articles()[3]?.querySelectorAll('.turn-actions button[aria-label="Regenerate"]').length, 1);
  });

  it('shows a message the renderer throws on as plain text, and the others as Markdown', () => {
    const poison = '>'.repeat(3000);
    const { view, articles } = recordingTranscript(poison);
    view.update(chatState([turn('user', poison), turn('assistant', 'An *answer*.', 'stop')]));

    const [bad, good] = articles();
    assert.equal(bad?.querySelector('.content .plain-text')?.textContent, poison);
    assert.equal(
      bad?.querySelector('.content .render-note')?.textContent?.trim(),
      'Shown as plain text: it could not be rendered as Markdown (Maximum call stack size exceeded).',
    );
    assert.equal(good?.querySelector('.content em')?.textContent, 'answer');
    assert.equal(good?.querySelector('.render-note'), null);
  });

  it(`shows a message longer than ${MAX_MARKDOWN_CHARS} characters as plain text without rendering it`, () => {
    const long = `# Not a heading here\n${'x'.repeat(MAX_MARKDOWN_CHARS)}`;
    const { view, rendered, articles } = recordingTranscript();
    view.update(chatState([turn('user', long)]));

    assert.deepEqual(rendered, []);
    const content = articles()[0]?.querySelector('.content');
    assert.equal(content?.querySelector('.plain-text')?.textContent, long);
    assert.equal(content?.querySelector('h1'), null);
    assert.match(content?.querySelector('.render-note')?.textContent ?? '', /longer than 20,000 characters/);
  });

  it('keeps turn i on node i when a conversation with other turns is opened', () => {
    const { view, articles } = recordingTranscript();
    view.update(chatState(conversation));
    view.update(chatState([turn('user', 'other'), turn('assistant', 'reply', 'stop')], { conversationId: 'c2' }));

    assert.deepEqual(articles().map((article) => article.querySelector('.content')?.textContent?.trim()), ['other', 'reply']);
  });

  it('shows the empty hint for a conversation without turns', () => {
    const { view, articles } = recordingTranscript();
    view.update(chatState(conversation));
    view.update(chatState([]));

    assert.equal(articles().length, 0);
    assert.equal(view.element.querySelectorAll('.empty').length, 1);
  });
});
