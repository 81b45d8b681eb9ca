/**
 * @file The editor's chat actions (context menu Explain / Write Tests / Fix): the command and
 * the request each sends with the selection. `smolcode eval chat` asks the same requests.
 */

export const EDITOR_ACTIONS = [
  { id: 'explain', command: 'smolcode.explainSelection', prompt: 'Explain what this code does.' },
  { id: 'tests', command: 'smolcode.writeTests', prompt: 'Write unit tests for this code.' },
  { id: 'fix', command: 'smolcode.fixSelection', prompt: 'Find the bugs in this code and show a fixed version.' },
] as const;

export type EditorActionId = (typeof EDITOR_ACTIONS)[number]['id'];

/** The request of action `id`. */
export function editorActionPrompt(id: EditorActionId): string {
  return EDITOR_ACTIONS.find((a) => a.id === id)!.prompt;
}
