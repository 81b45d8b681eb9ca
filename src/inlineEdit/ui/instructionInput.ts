/**
 * @file Asks for the instruction of an edit: a quick pick whose first row is what the user
 * types, followed by their recent instructions (kept in global state) to pick again.
 *
 * The rows keep their positions while the user types (the first row's label follows the input,
 * the recent ones stay, for VS Code to filter): the workbench names the accepted row by its
 * position, and a list that changed shape under a fast Enter made it pick a recent instruction
 * instead of the typed one (seen in the e2e test).
 */
import * as vscode from 'vscode';
import { remember } from '../instructionHistory';

const HISTORY_KEY = 'smolcode.inlineEdit.history';

interface Row extends vscode.QuickPickItem {
  /** The row that stands for the input's text. */
  readonly typed?: true;
}

/** The instruction typed or picked; undefined when the user pressed Escape or gave none. */
export async function askInstruction(state: vscode.Memento, fileName: string): Promise<string | undefined> {
  const history = state.get<string[]>(HISTORY_KEY) ?? [];
  const pick = vscode.window.createQuickPick<Row>();
  pick.title = `SmolCode: Edit Selection in ${fileName}`;
  pick.placeholder = 'Describe the change, e.g. "add a docstring" or "rename x to count", then press Enter';
  pick.ignoreFocusOut = true;
  const recent: Row[] = history.map((label) => ({ label, description: 'recent' }));
  const update = () => {
    const typed = pick.value.trim();
    const first: Row = typed ? { label: typed, typed: true, alwaysShow: true } : { label: 'Type an instruction', typed: true, alwaysShow: true };
    pick.items = [first, ...recent];
  };
  update();
  try {
    const chosen = await new Promise<string | undefined>((resolve) => {
      pick.onDidChangeValue(update);
      pick.onDidAccept(() => {
        const row = pick.selectedItems[0] ?? pick.activeItems[0];
        // The first row's label may lag the input; the input itself is current.
        resolve((!row || row.typed ? pick.value : row.label).trim() || undefined);
      });
      pick.onDidHide(() => resolve(undefined));
      pick.show();
    });
    if (chosen) await state.update(HISTORY_KEY, remember(history, chosen));
    return chosen;
  } finally {
    pick.dispose();
  }
}
