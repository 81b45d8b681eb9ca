/**
 * @file Test doubles for the chat's injected parts: an in-memory Memento, a scripted model
 * backend and a fixed context source.
 */
import type { ChatBackend, ChatReply } from '../../../src/chat/chatBackend';
import type { ContextSource } from '../../../src/chat/chatController';
import type { ContextItem } from '../../../src/chat/contextAssembly';
import type { MementoLike } from '../../../src/chat/conversationStore';
import type { ChatMessage } from '../../../src/runtime/tokenizer';
import type { ContextChip } from '../../../src/shared/protocol';

/** An in-memory `vscode.Memento`; values go through JSON like VS Code's storage. */
export class MemoryMemento implements MementoLike {
  readonly values = new Map<string, unknown>();
  get<T>(key: string): T | undefined {
    return this.values.get(key) as T | undefined;
  }
  update(key: string, value: unknown): Promise<void> {
    this.values.set(key, JSON.parse(JSON.stringify(value)));
    return Promise.resolve();
  }
}

/**
 * A backend that streams `chunks` for each reply. With `hold`, it streams the first chunk and
 * then waits for the abort signal, like a long reply the user stops.
 */
export class ScriptedBackend implements ChatBackend {
  readonly requests: Array<{ messages: readonly ChatMessage[]; maxNewTokens: number }> = [];
  chunks: string[] = ['Hello', ', world'];
  hold = false;
  window = 2048;
  failWith: Error | undefined;
  /** Resolves when a held reply has streamed its first chunk. */
  started: Promise<void> = Promise.resolve();

  async reply(messages: readonly ChatMessage[], maxNewTokens: number, onText: (text: string) => void, signal: AbortSignal): Promise<ChatReply> {
    this.requests.push({ messages, maxNewTokens });
    if (this.failWith) throw this.failWith;
    if (this.hold) {
      onText(this.chunks[0]);
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      return { text: this.chunks[0], finishReason: 'cancelled' };
    }
    for (const chunk of this.chunks) onText(chunk);
    return { text: this.chunks.join(''), finishReason: 'eos' };
  }

  countTokens(texts: readonly string[]): Promise<number[]> {
    return Promise.resolve(texts.map((text) => Math.ceil(text.length / 4)));
  }

  contextLength(): Promise<number> {
    return Promise.resolve(this.window);
  }
}

/** A context source with fixed items; removing one hides it. */
export class FixedContext implements ContextSource {
  constructor(public items: ContextItem[] = []) {}
  chips(): ContextChip[] {
    return this.items.map((item) => item.chip);
  }
  read(): Promise<ContextItem[]> {
    return Promise.resolve([...this.items]);
  }
  remove(id: string): void {
    this.items = this.items.filter((item) => item.chip.id !== id);
  }
}
