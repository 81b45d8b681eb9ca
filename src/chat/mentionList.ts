/**
 * @file The mentions waiting to go with the next question (`@file`, `@selection`, `@problems`,
 * `@diff`), shown as removable chips beside the editor's. Each is resolved when the question is
 * sent, not when chosen, so `@problems` reports the diagnostics of that moment. What VS Code
 * knows (files, diagnostics, git) comes through the narrow `MentionResolver`, so this list and
 * the blocks it builds are tested without VS Code.
 */
import type { ContextChip } from '../shared/protocol';
import type { MentionKind } from '../shared/mentions';
import { fileItem, selectionItem, type ContextItem, type EditorSnapshot } from './contextAssembly';
import { diffItem, emptyMentionItem, MAX_MENTION_FILE_BYTES, mentionChip, problemsItem, type Problem } from './mentionBlocks';

/** A workspace file the user picked for `@file`. */
export interface PickedFile {
  readonly uri: string;
  /** Workspace-relative path, as shown to the user and the model. */
  readonly path: string;
}

/** A picked file's content, or why it is not attached. */
export type FileRead =
  | { readonly kind: 'text'; readonly text: string; readonly languageId: string }
  | { readonly kind: 'binary' }
  | { readonly kind: 'tooLarge'; readonly bytes: number }
  | { readonly kind: 'unreadable'; readonly reason: string };

/** The working tree diff, or why there is none to show (no git, no repository, …). */
export type DiffRead = { readonly kind: 'diff'; readonly text: string } | { readonly kind: 'unavailable'; readonly reason: string };

/** What the editor knows, as mentions need it. */
export interface MentionResolver {
  /** Asks the user for a workspace file; `undefined` when they cancel. */
  pickFile(): Promise<PickedFile | undefined>;
  readFile(file: PickedFile): Promise<FileRead>;
  /** The editor the chat last saw active, with its selection; `undefined` when none is open. */
  activeEditor(): EditorSnapshot | undefined;
  /** Diagnostics of the active editor's file; `undefined` when no file is open. */
  problems(): { readonly path: string; readonly problems: readonly Problem[] } | undefined;
  diff(): Promise<DiffRead>;
}

interface Pending {
  readonly id: string;
  readonly kind: MentionKind;
  readonly file?: PickedFile;
  /** Why a picked file will not be attached, found when it was picked. */
  readonly skip?: string;
}

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() || path;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

/** Why a file read cannot be attached, in a few words for the chip; `undefined` for text. */
export function skipReason(read: FileRead): string | undefined {
  switch (read.kind) {
    case 'text':
      return undefined;
    case 'binary':
      return 'binary file, not attached';
    case 'tooLarge':
      return `${megabytes(read.bytes)}, too large to attach (limit ${megabytes(MAX_MENTION_FILE_BYTES)})`;
    case 'unreadable':
      return `not readable: ${read.reason}`;
  }
}

/** Chip shown for a mention before it is resolved. */
function pendingChip(pending: Pending): ContextChip {
  switch (pending.kind) {
    case 'file':
      return mentionChip(pending.id, 'file', baseName(pending.file?.path ?? 'file'), pending.skip ?? pending.file?.path ?? '');
    case 'selection':
      return mentionChip(pending.id, 'selection', 'selection', 'from the active editor');
    case 'problems':
      return mentionChip(pending.id, 'problems', 'problems', 'of the active file');
    case 'diff':
      return mentionChip(pending.id, 'diff', 'diff', 'uncommitted changes');
  }
}

export class MentionList {
  private pending: Pending[] = [];
  private counter = 0;

  constructor(private readonly resolver: MentionResolver) {}

  chips(): ContextChip[] {
    return this.pending.map(pendingChip);
  }

  /**
   * Adds a mention; `@file` first asks for the file. Returns false when nothing was added: the
   * pick was cancelled, or the same mention is already waiting.
   */
  async add(kind: MentionKind): Promise<boolean> {
    if (kind !== 'file') {
      if (this.pending.some((p) => p.kind === kind)) return false;
      this.pending.push({ id: this.nextId(kind), kind });
      return true;
    }
    const file = await this.resolver.pickFile();
    if (!file || this.pending.some((p) => p.file?.uri === file.uri)) return false;
    const skip = skipReason(await this.resolver.readFile(file));
    this.pending.push({ id: this.nextId(kind), kind, file, ...(skip && { skip }) });
    return true;
  }

  /** Removes the mention chip `id`; false when it is not one of these. */
  remove(id: string): boolean {
    const before = this.pending.length;
    this.pending = this.pending.filter((p) => p.id !== id);
    return this.pending.length !== before;
  }

  /** Resolves every waiting mention into context, in the order added, and clears the list. */
  async take(): Promise<ContextItem[]> {
    const pending = this.pending;
    this.pending = [];
    const items: ContextItem[] = [];
    for (const mention of pending) items.push(await this.resolve(mention));
    return items;
  }

  private nextId(kind: MentionKind): string {
    this.counter += 1;
    return `mention-${kind}-${this.counter}`;
  }

  private async resolve(mention: Pending): Promise<ContextItem> {
    const { id } = mention;
    switch (mention.kind) {
      case 'file':
        return this.resolveFile(id, mention.file as PickedFile);
      case 'selection': {
        const editor = this.resolver.activeEditor();
        const item = editor && selectionItem(editor);
        if (item) return { ...item, chip: { ...item.chip, id } };
        return emptyMentionItem(
          mentionChip(id, 'selection', 'selection', editor ? 'nothing selected' : 'no editor open'),
          editor ? `The user mentioned @selection, but nothing is selected in \`${editor.path}\`.` : 'The user mentioned @selection, but no editor is open.',
        );
      }
      case 'problems': {
        const found = this.resolver.problems();
        if (!found) return emptyMentionItem(mentionChip(id, 'problems', 'problems', 'no editor open'), 'The user mentioned @problems, but no file is open in the editor.');
        return problemsItem(id, found.path, found.problems);
      }
      case 'diff': {
        const diff = await this.resolver.diff();
        if (diff.kind === 'unavailable') return emptyMentionItem(mentionChip(id, 'diff', 'diff', diff.reason), `The user mentioned @diff, but there is no diff: ${diff.reason}.`);
        return diffItem(id, diff.text);
      }
    }
  }

  private async resolveFile(id: string, file: PickedFile): Promise<ContextItem> {
    const read = await this.resolver.readFile(file);
    if (read.kind !== 'text') {
      const reason = skipReason(read) as string;
      return emptyMentionItem(mentionChip(id, 'file', baseName(file.path), reason), `The user attached \`${file.path}\`, but it is not included: ${reason}.`);
    }
    const item = fileItem({ path: file.path, languageId: read.languageId, text: read.text });
    const whole = item.chip.detail === 'current file';
    return { ...item, chip: { ...item.chip, id, detail: whole ? file.path : `${file.path}, ${item.chip.detail}` } };
  }
}
