/**
 * @file The recent instructions of Edit Selection, most recent first, offered again in its
 * input. Pure list logic; the UI stores the list in VS Code's global state.
 */

/** How many instructions are remembered. */
export const HISTORY_SIZE = 10;

/** `history` with `instruction` moved (or added) to the front, trimmed to `HISTORY_SIZE`. */
export function remember(history: readonly string[], instruction: string, size = HISTORY_SIZE): string[] {
  const text = instruction.trim();
  if (text === '') return [...history].slice(0, size);
  return [text, ...history.filter((item) => item !== text)].slice(0, size);
}
