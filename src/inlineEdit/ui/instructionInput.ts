/**
 * @file Asks for the instruction of an edit: a quick pick whose first row is what the user
 * types, followed by their recent instructions (kept in global state) to pick again.
 */
import * as vscode from 'vscode';
import { remember } from '../instructionHistory';

const HISTORY_KEY = 'smolcode.inlineEdit.history';

/** The instruction typed or picked; undefined when the user pressed Escape or gave none. */
export async function askInstruction(state: vscode.Memento, fileName: string): Promise<string | undefined> {
  const history = state.get<string[]>(HISTORY_KEY) ?? [];
  const pick = vscode.window.createQuickPick<vscode.QuickPickItem>();
  pick.title = `SmolCode: Edit Selection in ${fileName}`;
  pick.placeholder = 'Describe the change, e.g. "add a docstring" or "rename x to count", then press Enter';
  pick.ignoreFocusOut = true;
  const recent = history.map((label) => ({ label, description: 'recent' }));
  const update = () => {
    const typed = pick.value.trim();
    // The typed text stays first, so Enter sends it even when it matches a recent one partly.
    pick.items = typed ? [{ label: typed, alwaysShow: true }, ...recent.filter((item) => item.label !== typed)] : recent;
  };
  update();
  try {
    const chosen = await new Promise<string | undefined>((resolve) => {
      pick.onDidChangeValue(update);
      pick.onDidAccept(() => resolve((pick.selectedItems[0]?.label ?? pick.value).trim() || undefined));
      pick.onDidHide(() => resolve(undefined));
      pick.show();
    });
    if (chosen) await state.update(HISTORY_KEY, remember(history, chosen));
    return chosen;
  } finally {
    pick.dispose();
  }
}
