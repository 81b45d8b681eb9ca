import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChatController } from '../../../src/chat/chatController';
import type { EditorSnapshot } from '../../../src/chat/contextAssembly';
import { ConversationStore } from '../../../src/chat/conversationStore';
import type { Problem } from '../../../src/chat/mentionBlocks';
import { MentionList, type DiffRead, type FileRead, type MentionResolver, type PickedFile } from '../../../src/chat/mentionList';
import { parseToWebview, type ChatState, type ToWebview } from '../../../src/shared/protocol';
import { FixedContext, MemoryMemento, ScriptedBackend } from './fakes';

/** A resolver over fixed data; `picks` are what the quick pick returns, in turn. */
class FakeResolver implements MentionResolver {
  picks: Array<PickedFile | undefined> = [];
  files = new Map<string, FileRead>();
  editor: EditorSnapshot | undefined = { path: 'src/a.ts', languageId: 'typescript', text: 'const a = 1;\nconst b = 2;\n' };
  found: { path: string; problems: Problem[] } | undefined = { path: 'src/a.ts', problems: [] };
  diffRead: DiffRead = { kind: 'unavailable', reason: 'the workspace is not a git repository' };
  reads = 0;

  pickFile() {
    return Promise.resolve(this.picks.shift());
  }
  readFile(file: PickedFile) {
    this.reads += 1;
    return Promise.resolve(this.files.get(file.uri) ?? { kind: 'unreadable' as const, reason: 'gone' });
  }
  activeEditor() {
    return this.editor;
  }
  problems() {
    return this.found;
  }
  diff() {
    return Promise.resolve(this.diffRead);
  }
}

const notes: PickedFile = { uri: 'file:///w/docs/notes.md', path: 'docs/notes.md' };
const logo: PickedFile = { uri: 'file:///w/logo.png', path: 'logo.png' };

describe('mention list', () => {
  it('shows a chip per mention, once per kind, and a picked file by name', async () => {
    const resolver = new FakeResolver();
    resolver.picks = [notes, undefined];
    resolver.files.set(notes.uri, { kind: 'text', text: '# Notes', languageId: 'markdown' });
    const list = new MentionList(resolver);
    assert.equal(await list.add('problems'), true);
    assert.equal(await list.add('problems'), false);
    assert.equal(await list.add('file'), true);
    assert.equal(await list.add('file'), false, 'a cancelled pick adds nothing');
    assert.deepEqual(list.chips(), [
      { id: 'mention-problems-1', kind: 'problems', label: 'problems', detail: 'of the active file' },
      { id: 'mention-file-2', kind: 'file', label: 'notes.md', detail: 'docs/notes.md' },
    ]);
    assert.equal(list.remove('mention-problems-1'), true);
    assert.equal(list.remove('file'), false, 'the editor chip is not a mention');
    assert.deepEqual(list.chips().map((c) => c.id), ['mention-file-2']);
  });

  it('resolves at send time, in the order added, and starts empty again', async () => {
    const resolver = new FakeResolver();
    resolver.picks = [notes];
    resolver.files.set(notes.uri, { kind: 'text', text: '# Notes', languageId: 'markdown' });
    const list = new MentionList(resolver);
    await list.add('file');
    await list.add('problems');
    resolver.found = { path: 'src/a.ts', problems: [{ severity: 'error', line: 0, column: 6, message: "Cannot redeclare 'a'.", source: 'ts' }] };
    const items = await list.take();
    assert.deepEqual(items.map((i) => i.chip), [
      { id: 'mention-file-1', kind: 'file', label: 'notes.md', detail: 'docs/notes.md' },
      { id: 'mention-problems-2', kind: 'problems', label: 'a.ts', detail: '1 problem' },
    ]);
    assert.equal(items[0].block, 'The file `docs/notes.md`:\n```markdown\n# Notes\n```');
    assert.equal(items[1].block, "Problems VS Code reports in `src/a.ts`:\n- Error at line 1, column 7 (ts): Cannot redeclare 'a'.");
    assert.deepEqual(list.chips(), []);
    assert.deepEqual(await list.take(), []);
  });

  it('marks a binary or huge file on its chip and sends a note instead of its bytes', async () => {
    const resolver = new FakeResolver();
    resolver.picks = [logo];
    resolver.files.set(logo.uri, { kind: 'binary' });
    const list = new MentionList(resolver);
    await list.add('file');
    assert.equal(list.chips()[0].detail, 'binary file, not attached');
    const [item] = await list.take();
    assert.equal(item.chip.detail, 'binary file, not attached');
    assert.equal(item.block, '(The user attached `logo.png`, but it is not included: binary file, not attached.)');

    resolver.picks = [logo];
    resolver.files.set(logo.uri, { kind: 'tooLarge', bytes: 12_300_000 });
    await list.add('file');
    assert.equal(list.chips()[0].detail, '12.3 MB, too large to attach (limit 1.0 MB)');
  });

  it('says what is missing: no selection, no editor, no git', async () => {
    const resolver = new FakeResolver();
    const list = new MentionList(resolver);
    await list.add('selection');
    await list.add('diff');
    let items = await list.take();
    assert.deepEqual(items.map((i) => [i.chip.kind, i.chip.detail]), [['selection', 'nothing selected'], ['diff', 'the workspace is not a git repository']]);
    assert.equal(items[0].block, '(The user mentioned @selection, but nothing is selected in `src/a.ts`.)');
    assert.equal(items[1].block, '(The user mentioned @diff, but there is no diff: the workspace is not a git repository.)');

    resolver.editor = undefined;
    resolver.found = undefined;
    await list.add('selection');
    await list.add('problems');
    items = await list.take();
    assert.deepEqual(items.map((i) => i.chip.detail), ['no editor open', 'no editor open']);
  });

  it('attaches the selection and the diff when there are some', async () => {
    const resolver = new FakeResolver();
    resolver.editor = { path: 'src/a.ts', languageId: 'typescript', text: 'const a = 1;\nconst b = 2;\n', selection: { startLine: 1, endLine: 1, text: 'const b = 2;' } };
    resolver.diffRead = { kind: 'diff', text: 'diff --git a/a.ts b/a.ts\n--- a/a.ts\n+++ b/a.ts\n@@ -1 +1 @@\n-x\n+y\n' };
    const list = new MentionList(resolver);
    await list.add('selection');
    await list.add('diff');
    const items = await list.take();
    assert.deepEqual(items[0].chip, { id: 'mention-selection-1', kind: 'selection', label: 'a.ts', detail: 'line 2' });
    assert.equal(items[0].block, 'Selected code from `src/a.ts` (line 2):\n```typescript\nconst b = 2;\n```');
    assert.equal(items[1].chip.detail, '1 file');
  });
});

describe('chat controller with mentions', () => {
  function setup(resolver: FakeResolver, context = new FixedContext()) {
    const backend = new ScriptedBackend();
    const posted: ToWebview[] = [];
    const logged: string[] = [];
    const controller = new ChatController({
      backend,
      store: new ConversationStore(new MemoryMemento()),
      context,
      mentions: new MentionList(resolver),
      models: { options: () => ['m'], current: () => 'm', select: async () => undefined },
      log: { info: (m) => logged.push(m), warn: (m) => logged.push(m), error: (m) => logged.push(m) },
      post: (message) => {
        assert.deepEqual(parseToWebview(message), message);
        posted.push(message);
      },
      newId: () => 'conv-1',
      now: () => 1,
    });
    const lastState = (): ChatState => (posted.filter((m) => m.type === 'state').pop() as Extract<ToWebview, { type: 'state' }>).state;
    return { backend, controller, lastState, logged };
  }

  it('shows chosen mentions after the editor chips, removes them, and sends typed ones too', async () => {
    const resolver = new FakeResolver();
    resolver.found = { path: 'src/a.ts', problems: [{ severity: 'warning', line: 4, column: 0, message: 'Unreachable code' }] };
    const editorChip = { id: 'file', kind: 'file' as const, label: 'a.ts', detail: 'current file' };
    const { backend, controller, lastState, logged } = setup(resolver, new FixedContext([{ chip: editorChip, block: 'FILE BLOCK' }]));

    await controller.addMention('diff');
    await controller.addMention('selection');
    assert.deepEqual(lastState().chips.map((c) => c.id), ['file', 'mention-diff-1', 'mention-selection-2']);
    controller.removeContext('mention-diff-1');
    assert.deepEqual(lastState().chips.map((c) => c.id), ['file', 'mention-selection-2']);

    await controller.send('@problems why is this unreachable?');
    const user = backend.requests[0].messages[1];
    assert.equal(
      user.content,
      'FILE BLOCK\n\n(The user mentioned @selection, but nothing is selected in `src/a.ts`.)\n\n' +
        'Problems VS Code reports in `src/a.ts`:\n- Warning at line 5, column 1: Unreachable code\n\nwhy is this unreachable?',
    );
    const state = lastState();
    assert.deepEqual(state.turns[0].context.map((c) => `${c.kind}:${c.detail}`), ['file:current file', 'selection:nothing selected', 'problems:1 problem']);
    assert.equal(state.turns[0].content, 'why is this unreachable?');
    assert.deepEqual(state.chips.map((c) => c.id), ['file'], 'mentions go with one question only');
    assert.ok(logged.some((line) => line.includes('[problems: a.ts (1 problem)]') && line.includes('Unreachable code')), logged.join('\n'));
  });

  it('sends a selection once when the editor chip and @selection both carry it', async () => {
    const resolver = new FakeResolver();
    resolver.editor = { path: 'a.ts', languageId: 'ts', text: 'x', selection: { startLine: 0, endLine: 0, text: 'x' } };
    const selectionBlock = 'Selected code from `a.ts` (line 1):\n```ts\nx\n```';
    const editorChip = { id: 'selection', kind: 'selection' as const, label: 'a.ts', detail: 'line 1' };
    const { backend, controller, lastState } = setup(resolver, new FixedContext([{ chip: editorChip, block: selectionBlock }]));
    await controller.send('explain @selection');
    assert.equal(backend.requests[0].messages[1].content, `${selectionBlock}\n\nexplain`);
    assert.deepEqual(lastState().turns[0].context.map((c) => c.id), ['mention-selection-1']);
  });
});
