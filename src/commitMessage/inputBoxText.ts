/**
 * @file What the Source Control input box holds after a message is written. The user may have
 * typed a draft there, which must not be lost: it stays below the message. Asking again while
 * the box still holds exactly what SmolCode wrote replaces the message and keeps the same draft.
 */

/** What SmolCode last wrote into a box, and the user's draft it kept below the message. */
export interface WrittenText {
  readonly text: string;
  readonly draft: string;
}

/** The user's own text in a box that holds `current`, given what SmolCode `last` wrote there. */
export function userDraft(current: string, last?: WrittenText): string {
  return last && current === last.text ? last.draft : current;
}

/** `message`, then a blank line and the user's `draft` when there is one. */
export function inputBoxText(message: string, draft: string): string {
  if (!draft.trim()) return message;
  if (!message) return draft;
  return `${message}\n\n${draft}`;
}
