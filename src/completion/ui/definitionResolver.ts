/**
 * @file Definitions of the identifiers near the cursor from VS Code's definition providers
 * (`vscode.executeDefinitionProvider`, what "Go to Definition" asks), for the completion prompt.
 * A suggestion cannot wait for a slow language server: all lookups run in parallel under one
 * small time budget, and those still running at its end are dropped from this request but keep
 * running into the cache, so the next keystroke has them. Lookups are cached per document and
 * identifier name for a short while: a name's declaration rarely moves while the user types.
 */
import * as vscode from 'vscode';
import type { DefinitionResolver, ResolvedDefinition } from '../context/definitions';
import type { IdentifierAt } from '../context/nearbyIdentifiers';

/** How long one request waits for definitions, all lookups together. */
export const DEFINITION_BUDGET_MS = 80;
/** How long a looked-up definition is reused. */
const CACHE_TTL_MS = 30_000;
const CACHE_ENTRIES = 128;

interface CacheEntry {
  readonly at: number;
  readonly result: Promise<ResolvedDefinition | undefined>;
}

/** The text of `uri`: the open document's (unsaved edits included), else the file's. */
async function textOf(uri: vscode.Uri): Promise<string> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open) return open.getText();
  return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
}

export class VsCodeDefinitionResolver implements DefinitionResolver<vscode.TextDocument> {
  private readonly cache = new Map<string, CacheEntry>();

  constructor(
    private readonly budgetMs = DEFINITION_BUDGET_MS,
    private readonly now: () => number = Date.now,
  ) {}

  async definitions(document: vscode.TextDocument, identifiers: readonly IdentifierAt[], signal: AbortSignal): Promise<ResolvedDefinition[]> {
    if (identifiers.length === 0 || signal.aborted) return [];
    const lookups = identifiers.map((identifier) => this.cached(document, identifier));
    let end: () => void = () => undefined;
    const deadline = new Promise<undefined>((resolve) => (end = () => resolve(undefined)));
    const timer = setTimeout(end, this.budgetMs);
    const onAbort = () => end();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const settled = await Promise.all(lookups.map((lookup) => Promise.race([lookup, deadline])));
      if (signal.aborted) return [];
      return settled.filter((d): d is ResolvedDefinition => d !== undefined);
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
  }

  private cached(document: vscode.TextDocument, identifier: IdentifierAt): Promise<ResolvedDefinition | undefined> {
    const key = `${document.uri.toString()}\n${identifier.name}`;
    const now = this.now();
    const hit = this.cache.get(key);
    if (hit && now - hit.at < CACHE_TTL_MS) return hit.result;
    const result = this.lookup(document, identifier).catch(() => undefined);
    this.cache.delete(key);
    this.cache.set(key, { at: now, result });
    // Map keeps insertion order: the first key is the oldest.
    if (this.cache.size > CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    return result;
  }

  private async lookup(document: vscode.TextDocument, identifier: IdentifierAt): Promise<ResolvedDefinition | undefined> {
    const position = new vscode.Position(identifier.line, identifier.character);
    const found = (await vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[] | undefined>('vscode.executeDefinitionProvider', document.uri, position)) ?? [];
    for (const item of found) {
      // A LocationLink's targetRange is the whole declaration; a Location names only the symbol.
      const [uri, range] = 'targetUri' in item ? [item.targetUri, item.targetRange] : [item.uri, item.range];
      if (uri.scheme !== 'file' && uri.scheme !== document.uri.scheme) continue;
      if (uri.toString() === document.uri.toString() && range.start.line <= identifier.line && identifier.line <= range.end.line) continue;
      return {
        name: identifier.name,
        path: vscode.workspace.asRelativePath(uri),
        fileText: await textOf(uri),
        startLine: range.start.line,
        endLine: range.end.line,
      };
    }
    return undefined;
  }
}
