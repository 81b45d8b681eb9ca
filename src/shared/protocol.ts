/**
 * @file Messages between the chat webview and the extension host, as discriminated unions
 * shared by both sides. Whatever arrives is checked with `parseFromWebview` /
 * `parseToWebview` before use: a webview is a separate page and its messages are untrusted,
 * and the host's messages carry model output. Parsers copy only known fields.
 */
import { isMentionKind, type MentionKind } from './mentions';

/** What a context chip points at (the last two come only from mentions). */
export const CONTEXT_KINDS = ['selection', 'file', 'problems', 'diff'] as const;
export type ContextKind = (typeof CONTEXT_KINDS)[number];

/** A piece of editor context shown as a removable chip above the input. */
export interface ContextChip {
  readonly id: string;
  readonly kind: ContextKind;
  /** File name (or the mention's name), shown on the chip. */
  readonly label: string;
  /** Where in the file, e.g. "lines 3–10", or what a mention found ("2 problems", "no selection"). */
  readonly detail: string;
}

/** One shown turn of a conversation. */
export interface TurnView {
  readonly role: 'user' | 'assistant';
  readonly content: string;
  /** The context that was sent with a user turn. */
  readonly context: readonly ContextChip[];
  /** Why an assistant reply ended, once it has ("cancelled" shows as stopped). */
  readonly finishReason?: string;
}

/** A past conversation in the history list. */
export interface HistoryItem {
  readonly id: string;
  readonly title: string;
  readonly updatedAt: number;
}

/** What was left out of the last prompt to fit the model's window. */
export interface TrimNotice {
  readonly droppedTurns: number;
  /** Labels of context chips that did not fit. */
  readonly droppedContext: readonly string[];
  readonly promptTokens: number;
  readonly windowTokens: number;
}

/** Everything the panel shows, sent whole whenever it changes (streamed text comes as `delta`). */
export interface ChatState {
  readonly conversationId: string;
  readonly turns: readonly TurnView[];
  readonly streaming: boolean;
  readonly chips: readonly ContextChip[];
  readonly history: readonly HistoryItem[];
  readonly models: readonly string[];
  readonly currentModel: string;
  readonly trim?: TrimNotice;
  readonly error?: string;
  /** A passing note such as "Loading the chat model…". */
  readonly status?: string;
}

/** The edits and copies a code block's buttons ask for. */
export const CODE_ACTIONS = ['copy', 'insert', 'replace'] as const;
export type CodeAction = (typeof CODE_ACTIONS)[number];

/** Messages the webview posts to the host. */
export type FromWebview =
  | { readonly type: 'ready' }
  | { readonly type: 'send'; readonly text: string }
  | { readonly type: 'stop' }
  | { readonly type: 'regenerate' }
  | { readonly type: 'newChat' }
  | { readonly type: 'openConversation'; readonly id: string }
  | { readonly type: 'deleteConversation'; readonly id: string }
  | { readonly type: 'removeContext'; readonly id: string }
  /** The user chose a mention from the `@` suggestions. */
  | { readonly type: 'addMention'; readonly kind: MentionKind }
  | { readonly type: 'codeAction'; readonly action: CodeAction; readonly code: string }
  | { readonly type: 'openLink'; readonly href: string }
  | { readonly type: 'selectModel'; readonly model: string };

/** Messages the host posts to the webview. */
export type ToWebview =
  | { readonly type: 'state'; readonly state: ChatState }
  | { readonly type: 'delta'; readonly text: string }
  | { readonly type: 'focusInput' }
  | { readonly type: 'toggleHistory' };

/** Longest text accepted from the webview, so a runaway page cannot flood the host. */
export const MAX_MESSAGE_CHARS = 100_000;

type Fields = Record<string, unknown>;

function isRecord(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_MESSAGE_CHARS;
}

function isId(value: unknown): value is string {
  return typeof value === 'string' && /^[\w-]{1,64}$/.test(value);
}

function isOneOf<T extends string>(value: unknown, allowed: readonly T[]): value is T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value);
}

/** Returns the message if it is a well-formed `FromWebview`, else `undefined`. */
export function parseFromWebview(value: unknown): FromWebview | undefined {
  if (!isRecord(value)) return undefined;
  switch (value.type) {
    case 'ready':
    case 'stop':
    case 'regenerate':
    case 'newChat':
      return { type: value.type };
    case 'send':
      return isText(value.text) && value.text.trim() !== '' ? { type: 'send', text: value.text } : undefined;
    case 'openConversation':
    case 'deleteConversation':
    case 'removeContext':
      return isId(value.id) ? { type: value.type, id: value.id } : undefined;
    case 'addMention':
      return isMentionKind(value.kind) ? { type: 'addMention', kind: value.kind } : undefined;
    case 'codeAction':
      return isOneOf(value.action, CODE_ACTIONS) && isText(value.code)
        ? { type: 'codeAction', action: value.action, code: value.code }
        : undefined;
    case 'openLink':
      return typeof value.href === 'string' && value.href.length <= 2048 ? { type: 'openLink', href: value.href } : undefined;
    case 'selectModel':
      return typeof value.model === 'string' && value.model.length <= 200 ? { type: 'selectModel', model: value.model } : undefined;
    default:
      return undefined;
  }
}

function parseChip(value: unknown): ContextChip | undefined {
  if (!isRecord(value) || !isId(value.id) || !isOneOf(value.kind, CONTEXT_KINDS)) return undefined;
  if (typeof value.label !== 'string' || typeof value.detail !== 'string') return undefined;
  return { id: value.id, kind: value.kind, label: value.label, detail: value.detail };
}

/** Parses every element with `parse`; one bad element rejects the whole list. */
function parseList<T>(value: unknown, parse: (item: unknown) => T | undefined): T[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: T[] = [];
  for (const item of value) {
    const parsed = parse(item);
    if (parsed === undefined) return undefined;
    out.push(parsed);
  }
  return out;
}

function parseTurn(value: unknown): TurnView | undefined {
  if (!isRecord(value) || !isOneOf(value.role, ['user', 'assistant'] as const) || typeof value.content !== 'string') return undefined;
  const context = parseList(value.context, parseChip);
  if (!context) return undefined;
  if (value.finishReason !== undefined && typeof value.finishReason !== 'string') return undefined;
  return { role: value.role, content: value.content, context, ...(value.finishReason !== undefined && { finishReason: value.finishReason }) };
}

function parseHistoryItem(value: unknown): HistoryItem | undefined {
  if (!isRecord(value) || !isId(value.id) || typeof value.title !== 'string' || typeof value.updatedAt !== 'number') return undefined;
  return { id: value.id, title: value.title, updatedAt: value.updatedAt };
}

function parseTrim(value: unknown): TrimNotice | undefined {
  if (!isRecord(value)) return undefined;
  const droppedContext = parseList(value.droppedContext, (item) => (typeof item === 'string' ? item : undefined));
  const counts = [value.droppedTurns, value.promptTokens, value.windowTokens];
  if (!droppedContext || !counts.every((n) => Number.isInteger(n) && (n as number) >= 0)) return undefined;
  return {
    droppedTurns: value.droppedTurns as number,
    droppedContext,
    promptTokens: value.promptTokens as number,
    windowTokens: value.windowTokens as number,
  };
}

function optionalText(value: unknown): { ok: boolean; text?: string } {
  if (value === undefined) return { ok: true };
  return typeof value === 'string' ? { ok: true, text: value } : { ok: false };
}

function parseState(value: unknown): ChatState | undefined {
  if (!isRecord(value) || !isId(value.conversationId) || typeof value.streaming !== 'boolean') return undefined;
  if (typeof value.currentModel !== 'string') return undefined;
  const turns = parseList(value.turns, parseTurn);
  const chips = parseList(value.chips, parseChip);
  const history = parseList(value.history, parseHistoryItem);
  const models = parseList(value.models, (item) => (typeof item === 'string' ? item : undefined));
  const trim = value.trim === undefined ? undefined : parseTrim(value.trim);
  const error = optionalText(value.error);
  const status = optionalText(value.status);
  if (!turns || !chips || !history || !models || (value.trim !== undefined && !trim) || !error.ok || !status.ok) return undefined;
  return {
    conversationId: value.conversationId,
    turns,
    streaming: value.streaming,
    chips,
    history,
    models,
    currentModel: value.currentModel,
    ...(trim && { trim }),
    ...(error.text !== undefined && { error: error.text }),
    ...(status.text !== undefined && { status: status.text }),
  };
}

/** Returns the message if it is a well-formed `ToWebview`, else `undefined`. */
export function parseToWebview(value: unknown): ToWebview | undefined {
  if (!isRecord(value)) return undefined;
  switch (value.type) {
    case 'state': {
      const state = parseState(value.state);
      return state ? { type: 'state', state } : undefined;
    }
    case 'delta':
      return typeof value.text === 'string' ? { type: 'delta', text: value.text } : undefined;
    case 'focusInput':
    case 'toggleHistory':
      return { type: value.type };
    default:
      return undefined;
  }
}
